"""The Scratch editor's glue: its component and the Make page's parts."""
