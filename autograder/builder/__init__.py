"""Build the student release, the executed solution notebook and the Gradescope bundle."""
