//! Where everything goes on the screen, computed once from the terminal size: `ui::draw` draws
//! every area from it, and `update` reads the same values for mouse hits, paging and scroll
//! bounds, so what a click or a page key acts on is what is drawn.
//!
//! ```text
//! row 0          header
//! row 1          column titles   ┐ table
//! rows 2..h-3    lead rows       ┘ (`rows`: one lead per line)
//! row h-3        toast
//! row h-2        sync status
//! row h-1        key hints
//! ```
//!
//! The help overlay covers the table, never the three bottom bars, so what a key says in
//! the toast stays visible. The reading pane (`PanePlace`) takes the right of the table on a
//! wide terminal, its lower part on a tall one, and covers it as a popup only when neither
//! leaves room; the list's rows (and so its pages and clicks) are what is left.

use std::ops::Range;

use ratatui::layout::Rect;

use crate::app::pane::PaneLayout;
use crate::app::state::ListView;

/// Lines of the screen that are not lead rows: header, column titles, toast, status, hints.
pub const CHROME_LINES: u16 = 5;

/// Lines under the table: toast, sync status, key hints.
pub const BOTTOM_BARS: u16 = 3;

/// Lines of the help overlay that are not bindings: two borders and the filter line.
const HELP_CHROME: u16 = 3;

/// The areas of one screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The whole screen.
    pub area: Rect,
    /// The screen is below the minimum size: only a message is drawn.
    pub too_small: bool,
    pub header: Rect,
    /// The saved views' tabs (empty when there are none).
    pub tabs: Rect,
    /// Column titles and lead rows.
    pub table: Rect,
    /// The lead rows alone (the table less its title line).
    pub rows: Rect,
    pub toast: Rect,
    pub status: Rect,
    pub hints: Rect,
    /// The help overlay's box.
    pub help: Rect,
    /// The reading pane's box (where it would pop up when it is not open).
    pub detail: Rect,
    /// Where the reading pane is, when it is open.
    pub pane: Option<PanePlace>,
}

/// Where the reading pane is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanePlace {
    Beside,
    Below,
    Popup,
}

/// Narrowest terminal the pane sits beside the list in (a list of 70 columns, a pane of 50).
pub const BESIDE_MIN_WIDTH: u16 = 120;
/// Width from which `Auto` puts the pane beside the list.
pub const BESIDE_AUTO_WIDTH: u16 = 140;
/// Shortest terminal the pane sits below the list in (8 list lines, a pane of 12).
pub const BELOW_MIN_HEIGHT: u16 = 24;

impl PanePlace {
    /// Where a pane wanted `as_wanted` goes in a terminal of `size`: where wanted when it
    /// fits (beside needs `BESIDE_MIN_WIDTH` columns, below `BELOW_MIN_HEIGHT` lines), else
    /// below, else a popup. `Auto` is beside from `BESIDE_AUTO_WIDTH` columns, else below.
    pub fn resolve(as_wanted: PaneLayout, (width, height): (u16, u16)) -> PanePlace {
        let beside = width >= BESIDE_MIN_WIDTH;
        let below = height >= BELOW_MIN_HEIGHT;
        match as_wanted {
            PaneLayout::Popup => PanePlace::Popup,
            PaneLayout::Beside if beside => PanePlace::Beside,
            PaneLayout::Auto if width >= BESIDE_AUTO_WIDTH => PanePlace::Beside,
            _ if below => PanePlace::Below,
            _ => PanePlace::Popup,
        }
    }

    /// The layout a rep choosing this place asks for.
    pub fn wanted(self) -> PaneLayout {
        match self {
            PanePlace::Beside => PaneLayout::Beside,
            PanePlace::Below => PaneLayout::Below,
            PanePlace::Popup => PaneLayout::Popup,
        }
    }
}

/// What a click on the screen lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// The lead row at this position of the list (an index into `ListView::rows`); `mark`
    /// says whether the click was in the selection-mark column.
    Row { pos: usize, mark: bool },
    /// Anywhere else.
    Outside,
}

impl Layout {
    /// The layout of a terminal of `size` (columns, rows).
    pub fn of_size((width, height): (u16, u16)) -> Layout {
        Layout::new(Rect::new(0, 0, width, height))
    }

    /// The layout of `area` (a frame's whole area).
    pub fn new(area: Rect) -> Layout {
        Layout::with_tabs(area, false)
    }

    /// The layout of `area`, with a line of saved-view tabs under the header when `tabs`.
    fn with_tabs(area: Rect, tabs: bool) -> Layout {
        let too_small = super::too_small((area.width, area.height));
        let top = 1 + u16::from(tabs);
        let line = |y: u16| Rect {
            y: area.y + y.min(area.height.saturating_sub(1)),
            height: u16::from(area.height > y),
            ..area
        };
        let bottom = area.height.saturating_sub(BOTTOM_BARS);
        let table = Rect {
            y: area.y + area.height.min(top),
            height: bottom.saturating_sub(top),
            ..area
        };
        let rows = Rect {
            y: table.y + table.height.min(1),
            height: table.height.saturating_sub(1),
            ..table
        };
        let overlay = |max_width: u16| {
            let w = area.width.saturating_sub(4).min(max_width);
            Rect {
                x: area.x + area.width.saturating_sub(w) / 2,
                y: area.y + area.height.min(top),
                width: w,
                height: area.height.saturating_sub(top + BOTTOM_BARS),
            }
        };
        Layout {
            area,
            too_small,
            header: line(0),
            tabs: if tabs { line(1) } else { Rect::default() },
            table,
            rows,
            toast: line(bottom),
            status: line(bottom + 1),
            hints: line(bottom + 2),
            help: overlay(72),
            detail: overlay(100),
            pane: None,
        }
    }

    /// The layout of a terminal of `size` with the reading pane at `pane` (if open).
    pub fn with_pane(size: (u16, u16), pane: Option<PanePlace>, tabs: bool) -> Layout {
        Layout::of_area(Rect::new(0, 0, size.0, size.1), pane, tabs)
    }

    /// The layout of `area` with the reading pane at `pane` and the saved views' tabs when
    /// `tabs`: beside or below, the table gives the pane room; a popup covers the table as
    /// the help does.
    pub fn of_area(area: Rect, pane: Option<PanePlace>, tabs: bool) -> Layout {
        let mut l = Layout::with_tabs(area, tabs);
        l.pane = pane;
        if l.too_small {
            return l;
        }
        match pane {
            Some(PanePlace::Beside) => {
                let w = (u32::from(area.width) * 2 / 5).clamp(50, 90) as u16;
                l.table.width = area.width.saturating_sub(w);
                l.rows.width = l.table.width;
                l.detail = Rect {
                    x: l.table.right(),
                    width: w,
                    ..l.table
                };
            }
            Some(PanePlace::Below) => {
                let h = (u32::from(l.table.height) * 11 / 20).clamp(12, u32::from(u16::MAX)) as u16;
                l.table.height = l.table.height.saturating_sub(h);
                l.rows.height = l.table.height.saturating_sub(1);
                l.detail = Rect {
                    y: l.table.bottom(),
                    height: h,
                    ..l.table
                };
            }
            Some(PanePlace::Popup) | None => {}
        }
        l
    }

    /// Lead rows a page shows (at least one, so paging always moves).
    pub fn page_rows(&self) -> usize {
        usize::from(self.rows.height).max(1)
    }

    /// Binding lines the help overlay shows at once.
    pub fn help_lines(&self) -> usize {
        help_lines(self.help)
    }

    /// Content lines the detail pane shows at once (inside its borders).
    pub fn detail_lines(&self) -> usize {
        usize::from(self.detail.height.saturating_sub(2))
    }

    /// Positions of `list.rows` drawn, top to bottom: from the stored offset, nudged so the
    /// cursor is inside (it always is once `update` has seen this size).
    pub fn window(&self, list: &ListView) -> Range<usize> {
        let body = usize::from(self.rows.height);
        let page = body.max(1);
        let mut offset = list.offset.min(list.rows.len().saturating_sub(1));
        if list.cursor >= offset + page {
            offset = list.cursor + 1 - page;
        }
        if list.cursor < offset {
            offset = list.cursor;
        }
        offset..(offset + body).min(list.rows.len())
    }

    /// The screen line a list position is drawn on, if it is drawn.
    pub fn row_y(&self, list: &ListView, pos: usize) -> Option<u16> {
        let window = self.window(list);
        window
            .contains(&pos)
            .then(|| self.rows.y + (pos - window.start) as u16)
    }

    /// What a click at (`column`, `row`) of the screen lands on.
    pub fn hit(&self, list: &ListView, column: u16, row: u16) -> Hit {
        let inside = |r: Rect| r.contains(ratatui::layout::Position::new(column, row));
        if self.too_small || !inside(self.rows) {
            return Hit::Outside;
        }
        let pos = self.window(list).start + usize::from(row - self.rows.y);
        if pos >= list.rows.len() {
            return Hit::Outside;
        }
        // The mark column and the space after it.
        let mark = column - self.rows.x <= 1;
        Hit::Row { pos, mark }
    }
}

/// Binding lines a help overlay box of `popup` shows.
pub fn help_lines(popup: Rect) -> usize {
    usize::from(popup.height.saturating_sub(HELP_CHROME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_areas_tile_the_screen_top_to_bottom() {
        for height in 0..40u16 {
            for width in [0u16, 1, 59, 60, 120] {
                let l = Layout::of_size((width, height));
                let areas = [l.header, l.table, l.toast, l.status, l.hints];
                if height >= super::super::MIN_HEIGHT {
                    let mut y = 0;
                    for a in areas {
                        assert_eq!(a.y, y, "{width}×{height}: {a:?}");
                        y += a.height;
                    }
                    assert_eq!(y, height);
                    assert_eq!(l.rows.height, height - CHROME_LINES);
                    assert_eq!(l.rows.y, 2);
                }
                for a in areas.iter().chain([&l.rows, &l.help, &l.detail]) {
                    assert!(a.bottom() <= height && a.right() <= width, "{a:?}");
                }
            }
        }
    }

    #[test]
    fn the_overlays_leave_the_bottom_bars_and_the_header_visible() {
        let l = Layout::of_size((120, 30));
        for o in [l.help, l.detail] {
            assert_eq!(o.y, 1);
            assert_eq!(o.bottom(), l.toast.y);
        }
        assert_eq!(l.help.width, 72);
        assert_eq!(l.detail.width, 100);
        assert_eq!(l.help_lines(), 30 - 4 - 3);
    }
}
