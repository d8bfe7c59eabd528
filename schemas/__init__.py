"""The contracts: raw source layouts and warehouse table specs. Pure data, no IO."""
