"""The runs, assembled from the stages below: `build`, `check` and `verify`, start to end."""
