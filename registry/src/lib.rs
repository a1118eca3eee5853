//! souk-registry
