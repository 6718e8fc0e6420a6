//! Delete tasks: files, directories (recursively), globs in the last path component. Every
//! path stays beneath the collection's root; links are removed, never followed.

use std::path::Path;

use cap_std::fs::Dir;
use serde_json::json;

use super::paths::{self, Kind, Resolved, join};
use super::worker::{Ctx, Stop, error_code};
use super::{LocalCollection, glob};

pub(super) fn run(
    ctx: &Ctx,
    collection: &LocalCollection,
    items: &[(Resolved, String)],
    recursive: bool,
    ignore_missing: bool,
    interpret_globs: bool,
) {
    ctx.update(|t| {
        t.nice_status = Some("OK");
        t.event("STARTED", false, "started", json!({"type": "Delete", "collection": collection.name}).to_string());
    });
    let dir = &*collection.dir;
    for (item, path) in items {
        if ctx.ended() {
            return;
        }
        let name = item.name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let targets: Vec<(Resolved, String)> = if interpret_globs && glob::has_wildcards(&name) {
            let parent = item.parent();
            let base = path.rsplit_once('/').map_or("", |(b, _)| b);
            paths::list(dir, &parent.rel)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| glob::matches(&name, &n.to_string_lossy()))
                .map(|n| (parent.child(&n), join(base, &n.to_string_lossy())))
                .collect()
        } else {
            vec![(item.clone(), path.clone())]
        };
        if targets.is_empty() && !ignore_missing {
            return ctx.fail("FILE_NOT_FOUND", format!("{path}: nothing matches"));
        }
        for (target, shown) in targets {
            // Pauses and access rules as they are now: a pause holds the task here, a rule
            // deleted while the task runs stops it.
            if let Err(stop) = ctx.hold_while_paused() {
                return ctx.stop(stop, &shown, &shown);
            }
            if let Err(e) = collection.still_granted() {
                return ctx.stop(Stop::Destination(e), &shown, &shown);
            }
            let meta = match paths::lstat(dir, &target.rel) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && ignore_missing => continue,
                Err(e) => return ctx.fail(error_code(&e), format!("{shown}: {e}")),
            };
            let outcome = if meta.kind == Kind::Dir {
                if !recursive {
                    return ctx.fail("ENDPOINT_ERROR", format!("{shown} is a directory: set recursive to delete it"));
                }
                remove_tree(dir, &target.rel, &mut |kind| {
                    if ctx.ended() {
                        return Err(Stop::Ended);
                    }
                    collection.still_granted().map_err(Stop::Destination)?;
                    count_deleted(ctx, kind);
                    Ok(())
                })
            } else {
                dir.remove_file(&target.rel).map_err(Stop::Destination).map(|()| count_deleted(ctx, meta.kind))
            };
            match outcome {
                Ok(()) => {}
                Err(stop) => return ctx.stop(stop, &shown, &shown),
            }
        }
    }
    ctx.update(|t| t.finish(None));
}

fn count_deleted(ctx: &Ctx, kind: Kind) {
    ctx.update(|t| {
        let c = &mut t.counters;
        match kind {
            Kind::Dir => c.directories += 1,
            Kind::Symlink => c.symlinks += 1,
            _ => c.files += 1,
        }
        c.subtasks_total += 1;
        c.subtasks_succeeded += 1;
    });
}

/// Delete directory `rel` of `dir` and everything in it, deepest first; `removed` hears of
/// each thing removed (and may stop the removal). Nothing is followed: a link is removed as
/// a link.
pub(super) fn remove_tree(
    dir: &Dir,
    rel: &Path,
    removed: &mut dyn FnMut(Kind) -> Result<(), Stop>,
) -> Result<(), Stop> {
    for name in paths::list(dir, rel).map_err(Stop::Destination)? {
        let child = rel.join(&name);
        let meta = paths::lstat(dir, &child).map_err(Stop::Destination)?;
        if meta.kind == Kind::Dir {
            remove_tree(dir, &child, removed)?;
        } else {
            dir.remove_file(&child).map_err(Stop::Destination)?;
            removed(meta.kind)?;
        }
    }
    dir.remove_dir(rel).map_err(Stop::Destination)?;
    removed(Kind::Dir)
}
