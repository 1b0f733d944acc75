"""Small pieces every page uses: session state and cached resources, widgets, text as typed, dates, the accuracy figure."""
