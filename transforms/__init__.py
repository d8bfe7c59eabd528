"""Pure DataFrame -> DataFrame functions: staging, dimensions, facts, quality rules. No IO."""
