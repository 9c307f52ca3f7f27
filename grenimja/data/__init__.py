"""Data layer: reading the upstream source files, mapping names, building the dataset."""
