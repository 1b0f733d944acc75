"""The Train page's panels: training progress and results, the confusion view, fine-tuning, downloads, which classes the model will know."""
