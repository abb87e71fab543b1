//! Puffle-compatible server (placeholder until written).
