//! Table columns and how they fit a width: narrow screens drop the least important
//! columns first, wide ones grow the important columns before showing extras.

/// A column a pane can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// Narrowest useful width.
    pub min: u16,
    /// Width it grows to when there is room.
    pub max: u16,
    /// 0 = always shown; higher numbers are dropped first on narrow screens.
    pub drop: u8,
    pub right: bool,
    /// Takes a share of the room left once every shown column is at its `max` (long
    /// names, image names, details), so a wide screen shows more of them.
    pub grows: bool,
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16, drop: u8) -> Self {
        Column {
            title,
            min,
            max,
            drop,
            right: false,
            grows: false,
        }
    }

    pub const fn grows(mut self) -> Self {
        self.grows = true;
        self
    }

    pub const fn right(mut self) -> Self {
        self.right = true;
        self
    }
}

/// Columns with at least this `drop` are extras, shown only on wide screens.
pub const LUXURY: u8 = 6;

/// Columns that fit in `width`, with their widths, in display order. Columns are dropped
/// highest `drop` first (rightmost on ties); spare room grows columns up to their `max`,
/// most important first. Column gaps are one space.
pub fn layout_columns(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    let need = |shown: &[usize]| -> u32 {
        shown.iter().map(|&c| columns[c].min as u32).sum::<u32>()
            + shown.len().saturating_sub(1) as u32
    };
    while need(&shown) > width as u32 && shown.len() > 1 {
        let Some(pos) = shown
            .iter()
            .enumerate()
            .filter(|(_, c)| columns[**c].drop > 0)
            .max_by_key(|(i, c)| (columns[**c].drop, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        shown.remove(pos);
    }
    // Extras (drop >= LUXURY) only show once the core columns (drop <= 2) are at full width.
    let core_full = |shown: &[usize]| -> u32 {
        shown
            .iter()
            .map(|&c| {
                let col = &columns[c];
                u32::from(if col.drop <= 2 { col.max } else { col.min })
            })
            .sum::<u32>()
            + shown.len().saturating_sub(1) as u32
    };
    while core_full(&shown) > width as u32 {
        let Some(pos) = shown
            .iter()
            .enumerate()
            .filter(|(_, c)| columns[**c].drop >= LUXURY)
            .max_by_key(|(i, c)| (columns[**c].drop, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        shown.remove(pos);
    }
    let mut widths: Vec<u16> = shown.iter().map(|&c| columns[c].min).collect();
    let mut spare = (width as u32).saturating_sub(need(&shown));
    let mut order: Vec<usize> = (0..shown.len()).collect();
    order.sort_by_key(|&i| (columns[shown[i]].drop, i));
    for i in order {
        if spare == 0 {
            break;
        }
        let col = &columns[shown[i]];
        let grow = (col.max.saturating_sub(col.min) as u32).min(spare);
        widths[i] += grow as u16;
        spare -= grow;
    }
    // What is still left goes to the columns that grow, in equal shares.
    let growing: Vec<usize> = (0..shown.len())
        .filter(|&i| columns[shown[i]].grows)
        .collect();
    if spare > 0 && !growing.is_empty() {
        let n = growing.len() as u32;
        for (k, &i) in growing.iter().enumerate() {
            let share = spare / n + u32::from((k as u32) < spare % n);
            widths[i] = widths[i].saturating_add(u16::try_from(share).unwrap_or(u16::MAX));
        }
    }
    shown.into_iter().zip(widths).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_layouts_drop_columns_by_priority() {
        let cols = [
            Column::new("NAME", 10, 20, 0),
            Column::new("STATUS", 8, 8, 1),
            Column::new("IMAGE", 10, 30, 2),
            Column::new("IP", 15, 15, 3),
        ];
        let all = layout_columns(&cols, 200);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0], (0, 20));
        let narrow = layout_columns(&cols, 30);
        assert_eq!(narrow.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 1, 2]);
        let tiny = layout_columns(&cols, 3);
        assert_eq!(tiny.iter().map(|c| c.0).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn the_room_past_every_max_goes_to_the_growing_columns() {
        let cols = [
            Column::new("NAME", 10, 20, 0).grows(),
            Column::new("STATUS", 8, 8, 1),
            Column::new("IMAGE", 10, 30, 2).grows(),
        ];
        // Every max: 20 + 8 + 30 + 2 gaps = 60; 41 more to share.
        let wide = layout_columns(&cols, 101);
        assert_eq!(wide, vec![(0, 41), (1, 8), (2, 50)]);
        assert_eq!(layout_columns(&cols, 60), vec![(0, 20), (1, 8), (2, 30)]);
    }
}
