"""Flow files: loading, checking, compiling and drawing call flows."""
