"""The Live page's panels: the unknown setting, Teach it here, the outputs, the CPM panel, motion spotting."""
