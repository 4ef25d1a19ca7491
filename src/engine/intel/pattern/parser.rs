//! Recursive-descent parser for STIX patterns.
//!
//! Precedence follows the STIX 2.1 grammar: between observations FOLLOWEDBY binds loosest,
//! then OR, then AND; qualifiers attach to the expression before them. Inside brackets OR binds
//! looser than AND, and parentheses group at both levels.

use super::lexer::{Token, TokenKind, tokenize};
use super::{Comparison, Comparisons, Operator, PathStep, Pattern, PatternError, Qualifier, Value};

/// Deepest nesting of parentheses and brackets accepted.
const MAX_DEPTH: usize = 64;

/// Parses a whole pattern.
pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    let tokens = tokenize(pattern)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        end: pattern.len(),
    };
    let parsed = parser.followed_by()?;
    match parser.peek() {
        None => Ok(parsed),
        Some(token) => Err(PatternError::new(
            token.offset,
            "unexpected text after pattern",
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|token| &token.kind)
    }

    fn offset(&self) -> usize {
        self.peek().map_or(self.end, |token| token.offset)
    }

    /// The next token; past the end, `None` (and the position still moves, so
    /// [`Parser::error_before`] points at the end).
    fn next(&mut self) -> Option<TokenKind> {
        let token = self.tokens.get(self.at).map(|token| token.kind.clone());
        self.at += 1;
        token
    }

    fn error<T>(&self, message: &str) -> Result<T, PatternError> {
        Err(PatternError::new(self.offset(), message))
    }

    /// An error at the token just taken with [`Parser::next`].
    fn error_before<T>(&mut self, message: &str) -> Result<T, PatternError> {
        self.at = self.at.saturating_sub(1);
        self.error(message)
    }

    fn expect(&mut self, kind: &TokenKind, what: &str) -> Result<(), PatternError> {
        if self.peek_kind() == Some(kind) {
            self.at += 1;
            Ok(())
        } else {
            self.error(&format!("expected {what}"))
        }
    }

    /// True (and consumes it) when the next token is the keyword `word`.
    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek_kind(), Some(TokenKind::Word(text)) if text.eq_ignore_ascii_case(word));
        if found {
            self.at += 1;
        }
        found
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error("pattern nested too deeply");
        }
        Ok(())
    }

    fn followed_by(&mut self) -> Result<Pattern, PatternError> {
        let mut parts = vec![self.observation_or()?];
        while self.keyword("FOLLOWEDBY") {
            parts.push(self.observation_or()?);
        }
        Ok(join(parts, Pattern::FollowedBy))
    }

    fn observation_or(&mut self) -> Result<Pattern, PatternError> {
        let mut parts = vec![self.observation_and()?];
        while self.keyword("OR") {
            parts.push(self.observation_and()?);
        }
        Ok(join(parts, Pattern::Or))
    }

    fn observation_and(&mut self) -> Result<Pattern, PatternError> {
        let mut parts = vec![self.qualified()?];
        while self.keyword("AND") {
            parts.push(self.qualified()?);
        }
        Ok(join(parts, Pattern::And))
    }

    fn qualified(&mut self) -> Result<Pattern, PatternError> {
        let mut expression = self.observation()?;
        while let Some(qualifier) = self.qualifier()? {
            expression = Pattern::Qualified(Box::new(expression), qualifier);
        }
        Ok(expression)
    }

    fn observation(&mut self) -> Result<Pattern, PatternError> {
        self.enter()?;
        let parsed = match self.next() {
            Some(TokenKind::LeftBracket) => {
                let inside = self.comparison_or()?;
                self.expect(&TokenKind::RightBracket, "`]`")?;
                Pattern::Observation(inside)
            }
            Some(TokenKind::LeftParen) => {
                let inside = self.followed_by()?;
                self.expect(&TokenKind::RightParen, "`)`")?;
                inside
            }
            _ => return self.error_before("expected `[` or `(`"),
        };
        self.depth -= 1;
        Ok(parsed)
    }

    fn qualifier(&mut self) -> Result<Option<Qualifier>, PatternError> {
        if self.keyword("WITHIN") {
            let seconds = self.number()?;
            if !self.keyword("SECONDS") {
                return self.error("expected SECONDS");
            }
            return Ok(Some(Qualifier::Within(seconds)));
        }
        if self.keyword("REPEATS") {
            let times = self.number()?;
            if !self.keyword("TIMES") {
                return self.error("expected TIMES");
            }
            // Counts are whole numbers by the grammar; a fraction is read down.
            return Ok(Some(Qualifier::Repeats(times as u64)));
        }
        if self.keyword("START") {
            let start = self.timestamp()?;
            if !self.keyword("STOP") {
                return self.error("expected STOP");
            }
            let stop = self.timestamp()?;
            return Ok(Some(Qualifier::StartStop(start, stop)));
        }
        Ok(None)
    }

    fn number(&mut self) -> Result<f64, PatternError> {
        match self.next() {
            Some(TokenKind::Number(text)) => text
                .parse()
                .or_else(|_| self.error_before("expected a number")),
            _ => self.error_before("expected a number"),
        }
    }

    fn timestamp(&mut self) -> Result<String, PatternError> {
        match self.next() {
            Some(TokenKind::Timestamp(text)) => Ok(text),
            _ => self.error_before("expected a t'…' timestamp"),
        }
    }

    fn comparison_or(&mut self) -> Result<Comparisons, PatternError> {
        let mut parts = vec![self.comparison_and()?];
        while self.keyword("OR") {
            parts.push(self.comparison_and()?);
        }
        Ok(join_comparisons(parts, Comparisons::Or))
    }

    fn comparison_and(&mut self) -> Result<Comparisons, PatternError> {
        let mut parts = vec![self.comparison_primary()?];
        while self.keyword("AND") {
            parts.push(self.comparison_primary()?);
        }
        Ok(join_comparisons(parts, Comparisons::And))
    }

    fn comparison_primary(&mut self) -> Result<Comparisons, PatternError> {
        if self.peek_kind() == Some(&TokenKind::LeftParen) {
            self.at += 1;
            self.enter()?;
            let inside = self.comparison_or()?;
            self.expect(&TokenKind::RightParen, "`)`")?;
            self.depth -= 1;
            return Ok(inside);
        }
        if self.keyword("EXISTS") {
            let (object_type, path) = self.object_path()?;
            return Ok(Comparisons::Leaf(Comparison {
                object_type,
                path,
                negated: false,
                operator: Operator::Exists,
                value: Value::List(Vec::new()),
            }));
        }
        let (object_type, path) = self.object_path()?;
        let negated = self.keyword("NOT");
        let operator = self.operator()?;
        let value = if operator == Operator::In {
            self.list()?
        } else {
            self.literal()?
        };
        Ok(Comparisons::Leaf(Comparison {
            object_type,
            path,
            negated,
            operator,
            value,
        }))
    }

    fn object_path(&mut self) -> Result<(String, Vec<PathStep>), PatternError> {
        let Some(TokenKind::Word(object_type)) = self.next() else {
            return self.error_before("expected an object type");
        };
        self.expect(&TokenKind::Colon, "`:` after the object type")?;
        let mut path = vec![self.property()?];
        loop {
            match self.peek_kind() {
                Some(TokenKind::Dot) => {
                    self.at += 1;
                    path.push(self.property()?);
                }
                Some(TokenKind::LeftBracket) => {
                    self.at += 1;
                    let step = match self.next() {
                        Some(TokenKind::Star) => PathStep::AnyIndex,
                        Some(TokenKind::Number(text)) => match text.parse() {
                            Ok(index) => PathStep::Index(index),
                            Err(_) => return self.error_before("expected a list index"),
                        },
                        _ => return self.error_before("expected a list index or `*`"),
                    };
                    self.expect(&TokenKind::RightBracket, "`]` after the index")?;
                    path.push(step);
                }
                _ => return Ok((object_type.to_ascii_lowercase(), path)),
            }
        }
    }

    fn property(&mut self) -> Result<PathStep, PatternError> {
        match self.next() {
            Some(TokenKind::Word(name) | TokenKind::Str(name)) => Ok(PathStep::Property(name)),
            _ => self.error_before("expected a property name"),
        }
    }

    fn operator(&mut self) -> Result<Operator, PatternError> {
        let operator = match self.next() {
            Some(TokenKind::Symbol("=" | "==")) => Operator::Equal,
            Some(TokenKind::Symbol("!=")) => Operator::NotEqual,
            Some(TokenKind::Symbol(_)) => Operator::Order,
            Some(TokenKind::Word(word)) => match word.to_ascii_uppercase().as_str() {
                "IN" => Operator::In,
                "LIKE" => Operator::Like,
                "MATCHES" => Operator::Matches,
                "ISSUBSET" => Operator::IsSubset,
                "ISSUPERSET" => Operator::IsSuperset,
                _ => return self.error_before("expected a comparison operator"),
            },
            _ => return self.error_before("expected a comparison operator"),
        };
        Ok(operator)
    }

    fn literal(&mut self) -> Result<Value, PatternError> {
        let value = match self.next() {
            Some(TokenKind::Str(text)) => Value::Str(text),
            Some(TokenKind::Number(text)) => Value::Number(text),
            Some(TokenKind::Timestamp(text)) => Value::Timestamp(text),
            Some(TokenKind::Binary(text)) => Value::Binary(text),
            Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return self.error_before("expected a value"),
        };
        Ok(value)
    }

    fn list(&mut self) -> Result<Value, PatternError> {
        self.expect(&TokenKind::LeftParen, "`(` after IN")?;
        let mut values = vec![self.literal()?];
        while self.peek_kind() == Some(&TokenKind::Comma) {
            self.at += 1;
            values.push(self.literal()?);
        }
        self.expect(&TokenKind::RightParen, "`)` after the list")?;
        Ok(Value::List(values))
    }
}

fn join(mut parts: Vec<Pattern>, make: fn(Vec<Pattern>) -> Pattern) -> Pattern {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        make(parts)
    }
}

fn join_comparisons(
    mut parts: Vec<Comparisons>,
    make: fn(Vec<Comparisons>) -> Comparisons,
) -> Comparisons {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        make(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(object_type: &str, path: &[&str], operator: Operator, value: Value) -> Comparisons {
        Comparisons::Leaf(Comparison {
            object_type: object_type.into(),
            path: path
                .iter()
                .map(|step| PathStep::Property((*step).into()))
                .collect(),
            negated: false,
            operator,
            value,
        })
    }

    #[test]
    fn and_binds_tighter_than_or_inside_brackets() {
        let parsed = parse("[a:x = '1' OR a:y = '2' AND a:z = '3']").unwrap();
        let expected = Pattern::Observation(Comparisons::Or(vec![
            leaf("a", &["x"], Operator::Equal, Value::Str("1".into())),
            Comparisons::And(vec![
                leaf("a", &["y"], Operator::Equal, Value::Str("2".into())),
                leaf("a", &["z"], Operator::Equal, Value::Str("3".into())),
            ]),
        ]));
        assert_eq!(parsed, expected);
    }

    #[test]
    fn observation_operators_and_qualifiers_nest() {
        let parsed =
            parse("([a:x = 1] AND [b:y = 2] OR [c:z = 3]) FOLLOWEDBY [d:w = 4] WITHIN 60 SECONDS")
                .unwrap();
        let Pattern::FollowedBy(parts) = parsed else {
            panic!("expected FOLLOWEDBY, got {parsed:?}");
        };
        assert_eq!(parts.len(), 2);
        assert!(matches!(&parts[0], Pattern::Or(or) if matches!(or[0], Pattern::And(_))));
        assert!(matches!(
            &parts[1],
            Pattern::Qualified(_, Qualifier::Within(60.0))
        ));
    }

    #[test]
    fn reads_paths_lists_negation_and_start_stop() {
        let parsed = parse(
            "[email-message:body_multipart[*].body_raw_ref.name NOT IN ('a', 'b')] \
             START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z' REPEATS 5 TIMES",
        )
        .unwrap();
        let Pattern::Qualified(inner, Qualifier::Repeats(5)) = parsed else {
            panic!("expected REPEATS outermost");
        };
        let Pattern::Qualified(inner, Qualifier::StartStop(..)) = *inner else {
            panic!("expected START/STOP");
        };
        let Pattern::Observation(Comparisons::Leaf(comparison)) = *inner else {
            panic!("expected one comparison");
        };
        assert!(comparison.negated);
        assert_eq!(comparison.operator, Operator::In);
        assert_eq!(comparison.path[1], PathStep::AnyIndex);
        assert_eq!(
            comparison.value,
            Value::List(vec![Value::Str("a".into()), Value::Str("b".into())])
        );
    }

    #[test]
    fn reports_the_offset_of_errors() {
        assert_eq!(parse("[a:x = '1'").unwrap_err().offset, 10);
        assert_eq!(parse("[a:x '1']").unwrap_err().offset, 5);
        assert!(parse("[a:x = '1'] [b:y = '2']").is_err());
        assert!(parse("").is_err());
        let deep = format!("{}[a:x = 1]{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
    }
}
