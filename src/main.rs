//! The `threatlens` binary.

fn main() {}
