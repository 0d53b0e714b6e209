//! Rollout arithmetic: the wave grammar of `--waves` and the failure budget of
//! `--max-failures`. Pure, no I/O.
//!
//! `--waves 1,10,25%,100%` follows Ansible's `serial`: each item is the size of one wave,
//! a count of servers or a percentage of all of them (rounded down, at least one), and the
//! last item repeats until every server has had its wave. So with 100 servers the waves are
//! 1, 10, 25 and the 64 left. A list that cannot mean a careful rollout is refused: an empty
//! item, a zero, more than 100%, a step smaller than the one before it in the same unit, or
//! anything after 100% (nothing is left for it).
//!
//! `--max-failures N|P%` (default 0) is how many servers may fail before the rollout halts:
//! it halts as soon as the failures are more than N, or more than P% of all its servers
//! (rounded down), as AWS SSM's `MaxErrors`.

use std::fmt;

/// One item of `--waves`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Count(usize),
    /// 1..=100.
    Percent(u8),
}

impl Step {
    /// The wave size for `total` servers: a percentage rounds down, to at least one.
    fn size(self, total: usize) -> usize {
        match self {
            Step::Count(n) => n,
            Step::Percent(p) => (total * usize::from(p) / 100).max(1),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Count(n) => write!(f, "{n}"),
            Step::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// A checked `--waves` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waves(Vec<Step>);

impl Default for Waves {
    /// No `--waves`: every server in one wave, as Ansible without `serial`.
    fn default() -> Self {
        Waves(vec![Step::Percent(100)])
    }
}

impl fmt::Display for Waves {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(Step::to_string).collect();
        f.write_str(&items.join(","))
    }
}

fn parse_number(text: &str, what: &str) -> Result<usize, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{what} \"{text}\" is neither a count nor a percentage (like 10 or 25%)"
        ));
    }
    text.parse::<usize>()
        .map_err(|_| format!("{what} \"{text}\" is too large"))
}

impl std::str::FromStr for Waves {
    type Err = String;

    fn from_str(text: &str) -> Result<Waves, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the wave list is empty: give wave sizes such as 1,10,25%,100%".into());
        }
        let mut steps: Vec<Step> = Vec::new();
        for (i, item) in text.split(',').enumerate() {
            let what = format!("wave {}", i + 1);
            let item = item.trim();
            if item.is_empty() {
                return Err(format!("{what} is empty: write the sizes as 1,10,25%,100%"));
            }
            let step = match item.strip_suffix('%') {
                Some(p) => match parse_number(p.trim(), &what)? {
                    0 => return Err(format!("{what} is 0%: a wave sends at least one server")),
                    p @ 1..=100 => Step::Percent(u8::try_from(p).unwrap_or(100)),
                    p => return Err(format!("{what} is {p}%: a wave is at most 100%")),
                },
                None => match parse_number(item, &what)? {
                    0 => return Err(format!("{what} is 0: a wave sends at least one server")),
                    n => Step::Count(n),
                },
            };
            if let Some(&before) = steps.last() {
                let shrinks = match (before, step) {
                    (Step::Count(a), Step::Count(b)) => b < a,
                    (Step::Percent(a), Step::Percent(b)) => b < a,
                    _ => false,
                };
                if before == Step::Percent(100) {
                    return Err(format!(
                        "{what} ({step}) comes after 100%: no server is left for it"
                    ));
                }
                if shrinks {
                    return Err(format!(
                        "{what} ({step}) is smaller than wave {i} ({before}): waves grow, \
                         the canary first"
                    ));
                }
            }
            steps.push(step);
        }
        Ok(Waves(steps))
    }
}

impl Waves {
    /// The size of each wave for `total` servers; the sizes add up to `total`.
    pub fn sizes(&self, total: usize) -> Vec<usize> {
        let mut sizes = Vec::new();
        let mut left = total;
        let mut steps = self.0.iter();
        let mut step = Step::Percent(100);
        while left > 0 {
            if let Some(next) = steps.next() {
                step = *next;
            }
            let size = step.size(total).clamp(1, left);
            sizes.push(size);
            left -= size;
        }
        sizes
    }

    /// `items` cut into waves, in order.
    pub fn split<T: Clone>(&self, items: &[T]) -> Vec<Vec<T>> {
        let mut rest = items;
        self.sizes(items.len())
            .into_iter()
            .map(|n| {
                let (wave, tail) = rest.split_at(n);
                rest = tail;
                wave.to_vec()
            })
            .collect()
    }
}

/// A checked `--max-failures`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxFailures {
    /// At most this many (the default 0: the first failure halts).
    #[default]
    Zero,
    Count(usize),
    /// At most this share of all the servers, rounded down.
    Percent(u8),
}

impl std::str::FromStr for MaxFailures {
    type Err = String;

    fn from_str(text: &str) -> Result<MaxFailures, String> {
        let text = text.trim();
        let what = "the failure budget";
        match text.strip_suffix('%') {
            Some(p) => match parse_number(p.trim(), what)? {
                0 => Ok(MaxFailures::Zero),
                p @ 1..=100 => Ok(MaxFailures::Percent(u8::try_from(p).unwrap_or(100))),
                p => Err(format!("{what} is {p}%: at most 100%")),
            },
            None => match parse_number(text, what)? {
                0 => Ok(MaxFailures::Zero),
                n => Ok(MaxFailures::Count(n)),
            },
        }
    }
}

impl fmt::Display for MaxFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxFailures::Zero => f.write_str("0"),
            MaxFailures::Count(n) => write!(f, "{n}"),
            MaxFailures::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl MaxFailures {
    /// How many of `total` servers may fail without halting.
    pub fn allowed(self, total: usize) -> usize {
        match self {
            MaxFailures::Zero => 0,
            MaxFailures::Count(n) => n,
            MaxFailures::Percent(p) => total * usize::from(p) / 100,
        }
    }

    /// Whether `failures` out of `total` halt the rollout.
    pub fn exceeded(self, failures: usize, total: usize) -> bool {
        failures > self.allowed(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waves(text: &str) -> Waves {
        text.parse().expect("valid waves")
    }

    fn refusal(text: &str) -> String {
        text.parse::<Waves>().expect_err("refused")
    }

    #[test]
    fn sizes_follow_ansible_serial() {
        assert_eq!(waves("1,10,25%,100%").sizes(100), vec![1, 10, 25, 64]);
        assert_eq!(waves("1,10,25%,100%").sizes(5), vec![1, 4]);
        assert_eq!(waves("1,2").sizes(7), vec![1, 2, 2, 2], "the last repeats");
        assert_eq!(waves("10%").sizes(3), vec![1, 1, 1], "at least one");
        assert_eq!(waves("50%").sizes(5), vec![2, 2, 1]);
        assert_eq!(Waves::default().sizes(4), vec![4]);
        assert!(waves("1").sizes(0).is_empty());
        let split = waves("1,2").split(&["a", "b", "c", "d"]);
        assert_eq!(split, vec![vec!["a"], vec!["b", "c"], vec!["d"]]);
    }

    #[test]
    fn nonsense_is_refused_with_the_reason() {
        assert!(refusal("").contains("empty"));
        assert!(refusal(" , ").contains("wave 1 is empty"));
        assert!(refusal("1,,5").contains("wave 2 is empty"));
        assert!(refusal("0").contains("wave 1 is 0"));
        assert!(refusal("1,0%").contains("wave 2 is 0%"));
        assert!(refusal("150%").contains("at most 100%"));
        assert!(refusal("10,5").contains("smaller than wave 1"));
        assert!(refusal("50%,25%").contains("smaller"));
        assert!(refusal("100%,5").contains("after 100%"));
        assert!(refusal("1,x").contains("neither a count nor a percentage"));
        assert!(refusal("-1").contains("neither"));
        assert!(refusal("99999999999999999999999").contains("too large"));
        assert_eq!(waves(" 1, 10 ,25%,100%").to_string(), "1,10,25%,100%");
        assert_eq!(
            waves("5,5").sizes(12),
            vec![5, 5, 2],
            "equal steps are fine"
        );
        assert_eq!(
            waves("10,5%").sizes(200).len(),
            20,
            "units mixed: not compared"
        );
    }

    #[test]
    fn max_failures_budget() {
        let m: MaxFailures = "0".parse().expect("0");
        assert!(m.exceeded(1, 100));
        assert!(!m.exceeded(0, 100));
        let m: MaxFailures = "2".parse().expect("2");
        assert!(!m.exceeded(2, 10) && m.exceeded(3, 10));
        let m: MaxFailures = "10%".parse().expect("10%");
        assert_eq!(m.allowed(25), 2);
        assert!(m.exceeded(1, 9), "10% of 9 rounds down to none");
        assert!("101%".parse::<MaxFailures>().is_err());
        assert!("x".parse::<MaxFailures>().is_err());
        assert_eq!(MaxFailures::default().to_string(), "0");
    }
}
