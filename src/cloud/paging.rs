//! Bounds on listings: a page holds at most the records asked for, and a listing at most
//! `max_records` (`ClientSettings`), so a service that lies about its size or sends pages
//! forever ends in an error naming it instead of filling the memory. One addition per page.

use super::error::{CloudError, ErrorKind};

/// Records counted over the pages of one listing.
#[derive(Debug)]
pub struct Tally {
    what: &'static str,
    /// The page size asked for, when the service takes one.
    limit: Option<u64>,
    max: usize,
    total: usize,
}

impl Tally {
    /// `what` names the listing in errors, e.g. `ECS list`.
    pub fn new(what: &'static str, limit: Option<u64>, max: usize) -> Tally {
        Tally {
            what,
            limit,
            max,
            total: 0,
        }
    }

    /// Count a page of `n` records.
    pub fn page(&mut self, n: usize) -> Result<(), CloudError> {
        if let Some(limit) = self.limit.filter(|l| n as u64 > *l) {
            return Err(protocol(format!(
                "{}: the service answered {n} records on a page of at most {limit}: refused, \
                 the API never sends more than asked",
                self.what
            )));
        }
        self.total += n;
        if self.total > self.max {
            return Err(protocol(format!(
                "{}: the service keeps sending pages past {} records: stopped, no account \
                 holds that many",
                self.what, self.max
            )));
        }
        Ok(())
    }

    /// The total a service claims before paging (ECS `count`).
    pub fn claim(&self, count: u64) -> Result<(), CloudError> {
        if count > self.max as u64 {
            return Err(protocol(format!(
                "{}: the service claims {count} records, more than reimage lists \
                 ({}): refused before paging",
                self.what, self.max
            )));
        }
        Ok(())
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

fn protocol(message: String) -> CloudError {
    CloudError::new(ErrorKind::Protocol, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_larger_than_asked_and_endless_listings_are_refused() {
        let mut t = Tally::new("ECS list", Some(1000), 2500);
        t.page(1000).expect("a full page");
        let e = t.page(1001).expect_err("more than asked");
        assert!(
            e.message.contains("1001") && e.message.contains("1000"),
            "{e}"
        );
        t.page(1000).expect("second full page");
        let e = t.page(1000).expect_err("past the ceiling");
        assert!(e.message.contains("2500"), "{e}");
        assert_eq!(e.kind, ErrorKind::Protocol);
        assert!(t.claim(2500).is_ok());
        assert!(t.claim(2501).is_err());
        let mut nova = Tally::new("Nova key pairs", None, 10);
        nova.page(10).expect("no page size asked");
        assert_eq!(nova.total(), 10);
    }
}
