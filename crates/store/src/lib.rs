//! Document storage for the Connector, designed for several replicas (compare-and-set on a version field).
