"""The Home page's panels: project files (download and open ``.handteach``)."""
