//! Following a paged TAXII listing to its end, and refusing to follow a server in circles.
//!
//! Every request repeats the first request's filters and `limit` (medallion answers 400 "params
//! changed" otherwise, and 500 to a `next` without `limit`). A page with `more: true` continues
//! with its `next` cursor; without one, with `added_after` set to the page's
//! `X-TAXII-Date-Added-Last`. medallion repeats the same `next` value on every page, so a repeated
//! cursor alone is no fault; a page that brings nothing new is, and so is a listing longer than
//! the page budget.

use std::collections::HashSet;

/// What the next request adds to the fixed filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageCursor {
    /// `added_after` to send.
    pub added_after: Option<String>,
    /// `next` to send.
    pub next: Option<String>,
}

/// What one page said about the rest of the listing.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageOutcome {
    pub more: bool,
    pub next: Option<String>,
    pub date_added_last: Option<String>,
    /// Records on the page.
    pub records: usize,
    /// Records not seen before on an earlier page of this listing.
    pub new_records: usize,
}

/// The position in a listing, from the first page to the last.
#[derive(Debug)]
pub(crate) struct Pager {
    cursor: PageCursor,
    pages: u32,
    max_pages: u32,
    seen: HashSet<(String, String)>,
}

impl Pager {
    /// Starts a listing; `added_after` is the caller's own filter (an incremental sync).
    pub fn new(added_after: Option<String>, max_pages: u32) -> Self {
        Self {
            cursor: PageCursor {
                added_after,
                next: None,
            },
            pages: 0,
            max_pages,
            seen: HashSet::new(),
        }
    }

    /// The cursor for the next request.
    pub fn cursor(&self) -> &PageCursor {
        &self.cursor
    }

    /// Pages read so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Remembers a record of the current page; true when it was not seen on an earlier page.
    pub fn note_record(&mut self, id: &str, version: &str) -> bool {
        self.seen.insert((id.to_owned(), version.to_owned()))
    }

    /// Moves past a page: `Ok(true)` when another page must be read, `Ok(false)` at the end,
    /// `Err(reason)` when the server's paging cannot be trusted.
    pub fn advance(&mut self, page: &PageOutcome) -> Result<bool, String> {
        self.pages += 1;
        if !page.more {
            return Ok(false);
        }
        if page.records == 0 {
            return Err("the server says more follows but sent an empty page".into());
        }
        if page.new_records == 0 {
            return Err(format!(
                "page {} repeats only objects already received (a server loop)",
                self.pages
            ));
        }
        if self.pages >= self.max_pages {
            return Err(format!(
                "more than {} pages; stopped to guard against an endless listing",
                self.max_pages
            ));
        }

        if let Some(next) = &page.next {
            self.cursor.next = Some(next.clone());
            return Ok(true);
        }
        let Some(last) = &page.date_added_last else {
            return Err("the server says more follows but gives neither `next` nor \
                 X-TAXII-Date-Added-Last"
                .into());
        };
        if self.cursor.added_after.as_ref() == Some(last) {
            return Err(format!("X-TAXII-Date-Added-Last stays at {last}"));
        }
        self.cursor = PageCursor {
            added_after: Some(last.clone()),
            next: None,
        };
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(more: bool, next: Option<&str>, last: Option<&str>, new_records: usize) -> PageOutcome {
        PageOutcome {
            more,
            next: next.map(str::to_owned),
            date_added_last: last.map(str::to_owned),
            records: 5,
            new_records,
        }
    }

    #[test]
    fn next_keeps_the_callers_added_after() {
        let mut pager = Pager::new(Some("2025-01-01T00:00:00Z".into()), 10);

        assert_eq!(pager.advance(&page(true, Some("abc"), None, 5)), Ok(true));

        let expected = PageCursor {
            added_after: Some("2025-01-01T00:00:00Z".into()),
            next: Some("abc".into()),
        };
        assert_eq!(pager.cursor(), &expected);
        assert_eq!(pager.advance(&page(false, None, None, 5)), Ok(false));
        assert_eq!(pager.pages(), 2);
    }

    #[test]
    fn without_next_the_date_header_becomes_added_after() {
        let mut pager = Pager::new(None, 10);

        let step = pager.advance(&page(true, None, Some("2025-10-01T00:00:05.000000Z"), 5));

        assert_eq!(step, Ok(true));
        assert_eq!(
            pager.cursor().added_after.as_deref(),
            Some("2025-10-01T00:00:05.000000Z")
        );
        assert_eq!(pager.cursor().next, None);
        let stuck = pager.advance(&page(true, None, Some("2025-10-01T00:00:05.000000Z"), 5));
        assert!(stuck.is_err());
    }

    #[test]
    fn a_page_with_nothing_new_is_a_loop() {
        let mut pager = Pager::new(None, 10);
        assert!(pager.note_record("indicator--1", "v1"));
        assert!(!pager.note_record("indicator--1", "v1"));

        assert_eq!(pager.advance(&page(true, Some("same"), None, 5)), Ok(true));
        let error = pager
            .advance(&page(true, Some("same"), None, 0))
            .unwrap_err();

        assert!(error.contains("page 2 repeats"), "{error}");
    }

    #[test]
    fn the_page_budget_ends_an_endless_listing() {
        let mut pager = Pager::new(None, 3);

        assert_eq!(pager.advance(&page(true, Some("a"), None, 5)), Ok(true));
        assert_eq!(pager.advance(&page(true, Some("b"), None, 5)), Ok(true));

        assert!(pager.advance(&page(true, Some("c"), None, 5)).is_err());
    }

    #[test]
    fn more_without_any_cursor_is_an_error() {
        let mut pager = Pager::new(None, 10);
        assert!(pager.advance(&page(true, None, None, 5)).is_err());

        let mut empty = Pager::new(None, 10);
        let empty_page = PageOutcome {
            more: true,
            next: Some("x".into()),
            ..PageOutcome::default()
        };
        assert!(empty.advance(&empty_page).is_err());
    }
}
