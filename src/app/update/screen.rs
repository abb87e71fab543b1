//! The terminal's size and the mouse on it, both read through the one [`Layout`](crate::ui::Layout) `ui` draws
//! from. Part of `update`.

use crossterm::event::MouseEvent;

use crate::ui::Hit;

use crate::app::nav;
use crate::app::state::{Mode, State, scroll_into_view};

/// `Msg::Resize`: the new size, and every view's window fitted to its page.
pub(super) fn on_resize(s: &mut State, w: u16, h: u16) {
    s.size = (w, h);
    let page = s.page_rows();
    for list in &mut s.lists {
        scroll_into_view(list, page);
    }
}

/// Mouse (opt-in): the wheel scrolls, a click moves the cursor, a click in the mark column
/// toggles the row's selection. What a click lands on is the row drawn there (`Layout::hit`).
pub(super) fn on_mouse(s: &mut State, m: MouseEvent) {
    use crossterm::event::{MouseButton, MouseEventKind};
    if s.mode != Mode::Normal || crate::ui::too_small(s.size) {
        return;
    }
    match m.kind {
        MouseEventKind::ScrollDown => nav::move_by(s, 3, false),
        MouseEventKind::ScrollUp => nav::move_by(s, -3, false),
        MouseEventKind::Down(MouseButton::Left) => {
            let Hit::Row { pos, mark } = s.layout().hit(s.list(), m.column, m.row) else {
                return;
            };
            if mark {
                let list = s.list_mut();
                let i = list.rows[pos];
                if list.selected.remove(&i) {
                    list.visible_selected -= 1;
                } else {
                    list.selected.insert(i);
                    list.visible_selected += 1;
                }
            } else {
                nav::move_to(s, pos as isize);
            }
        }
        _ => {}
    }
}
