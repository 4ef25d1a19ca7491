//! The STIX patterning language: a parser into a syntax tree, and a compiler from that tree
//! to the values logs can be checked against.
//!
//! `rstix` 0.23 parses patterns too, but keeps its comparison tree types private, so a pattern
//! cannot be walked from outside; compiling indicators into lookup sets needs that walk.

mod compile;
mod lexer;
mod parser;

pub use compile::{Compiled, compile};
pub use parser::parse;

/// Why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct PatternError {
    /// Byte offset in the pattern.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

impl PatternError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}

/// A whole pattern: observation expressions joined by observation operators.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// One `[ … ]`.
    Observation(Comparisons),
    /// Every part observed (possibly in different events).
    And(Vec<Pattern>),
    /// Any part observed.
    Or(Vec<Pattern>),
    /// Parts observed in this order.
    FollowedBy(Vec<Pattern>),
    /// A qualified expression.
    Qualified(Box<Pattern>, Qualifier),
}

/// Qualifiers on an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`.
    Within(f64),
    /// `REPEATS n TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(String, String),
}

/// The inside of one observation: comparisons joined by AND / OR.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparisons {
    /// One comparison.
    Leaf(Comparison),
    /// All must hold on the same object.
    And(Vec<Comparisons>),
    /// Any may hold.
    Or(Vec<Comparisons>),
}

/// `object-type:path [NOT] operator value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object type (`ipv4-addr`).
    pub object_type: String,
    /// Path steps after the colon (`hashes`, `SHA-256`).
    pub path: Vec<PathStep>,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator.
    pub operator: Operator,
    /// The right-hand side (empty list for `EXISTS`).
    pub value: Value,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// `.name` or `.'quoted name'`.
    Property(String),
    /// `[3]`.
    Index(u64),
    /// `[*]`.
    AnyIndex,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=` or `==`.
    Equal,
    /// `!=`.
    NotEqual,
    /// `<`, `<=`, `>`, `>=`.
    Order,
    /// `IN (…)`.
    In,
    /// `LIKE`.
    Like,
    /// `MATCHES`.
    Matches,
    /// `ISSUBSET`.
    IsSubset,
    /// `ISSUPERSET`.
    IsSuperset,
    /// `EXISTS` (prefix form).
    Exists,
}

/// Literals.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(String),
    /// A number as written.
    Number(String),
    /// `true` / `false`.
    Bool(bool),
    /// A timestamp literal.
    Timestamp(String),
    /// A binary (`h'…'`, `b'…'`) literal.
    Binary(String),
    /// `( a, b, … )` for `IN`.
    List(Vec<Value>),
}
