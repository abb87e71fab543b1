//! Pure batching: merge changes per lead (the last one wins) and cut batches of at most 200.

use std::collections::HashMap;

use uuid::Uuid;

use crate::api::{MAX_PATCH_ITEMS, Status, StatusChange};

/// Merge changes so each lead appears once with its last intended status. Leads keep the
/// position of their first appearance, so output order is stable and predictable.
pub fn merge_last_wins(items: impl IntoIterator<Item = StatusChange>) -> Vec<StatusChange> {
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    let mut out: Vec<StatusChange> = Vec::new();
    for item in items {
        match index.get(&item.entity_id) {
            Some(&i) => out[i].status = item.status,
            None => {
                index.insert(item.entity_id, out.len());
                out.push(item);
            }
        }
    }
    out
}

/// Cut merged changes into PATCH bodies of at most [`MAX_PATCH_ITEMS`] items:
/// exactly `ceil(n / 200)` batches.
pub fn batches(items: &[StatusChange]) -> std::slice::Chunks<'_, StatusChange> {
    items.chunks(MAX_PATCH_ITEMS)
}

/// Build changes that all set one status.
pub fn set_all(ids: &[Uuid], status: Status) -> Vec<StatusChange> {
    ids.iter()
        .map(|&entity_id| StatusChange { entity_id, status })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }

    #[test]
    fn last_wins_first_position_kept() {
        let merged = merge_last_wins([
            StatusChange {
                entity_id: id(1),
                status: Status::Contacted,
            },
            StatusChange {
                entity_id: id(2),
                status: Status::New,
            },
            StatusChange {
                entity_id: id(1),
                status: Status::Dismissed,
            },
        ]);
        assert_eq!(
            merged,
            vec![
                StatusChange {
                    entity_id: id(1),
                    status: Status::Dismissed
                },
                StatusChange {
                    entity_id: id(2),
                    status: Status::New
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn batches_are_bounded_and_complete(n in 0usize..2000, dup in 0u8..50) {
            let ids: Vec<Uuid> = (0..n).map(|i| Uuid::from_u128(i as u128 % (n as u128 + 1).max(1))).collect();
            let mut items = set_all(&ids, Status::Contacted);
            // Re-add some leads with a different status: they must merge, not add items.
            items.extend(ids.iter().take(dup as usize).map(|&entity_id| StatusChange { entity_id, status: Status::Dismissed }));
            let merged = merge_last_wins(items);
            prop_assert_eq!(merged.len(), n);
            let cut: Vec<_> = batches(&merged).collect();
            prop_assert_eq!(cut.len(), n.div_ceil(MAX_PATCH_ITEMS));
            prop_assert!(cut.iter().all(|b| !b.is_empty() && b.len() <= MAX_PATCH_ITEMS));
            prop_assert_eq!(cut.iter().map(|b| b.len()).sum::<usize>(), n);
            for (i, c) in merged.iter().enumerate() {
                let expect = if i < dup as usize { Status::Dismissed } else { Status::Contacted };
                prop_assert_eq!(c.status, expect);
            }
        }
    }
}
