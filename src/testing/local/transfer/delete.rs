//! Delete tasks: files, directories (recursively), globs in the last path component.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::paths::{self, join};
use super::worker::{Ctx, Stop, error_code};
use super::{LocalCollection, glob};

pub(super) fn run(
    ctx: &Ctx,
    collection: &LocalCollection,
    items: &[(paths::Resolved, String)],
    recursive: bool,
    ignore_missing: bool,
    interpret_globs: bool,
) {
    ctx.update(|t| {
        t.nice_status = Some("OK");
        t.event("STARTED", false, "started", json!({"type": "Delete", "collection": collection.name}).to_string());
    });
    for (item, path) in items {
        if ctx.ended() {
            return;
        }
        let name = item.real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let targets: Vec<(PathBuf, String)> = if interpret_globs && glob::has_wildcards(&name) {
            let parent = item.real.parent().unwrap_or(collection.root());
            let mut found: Vec<(PathBuf, String)> = std::fs::read_dir(parent)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .filter(|e| glob::matches(&name, &e.file_name().to_string_lossy()))
                        .map(|e| {
                            let n = e.file_name().to_string_lossy().into_owned();
                            let base = path.rsplit_once('/').map_or("", |(b, _)| b);
                            (e.path(), join(base, &n))
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            found
        } else {
            vec![(item.real.clone(), path.clone())]
        };
        if targets.is_empty() && !ignore_missing {
            return ctx.fail("FILE_NOT_FOUND", format!("{path}: nothing matches"));
        }
        for (real, shown) in targets {
            let meta = match std::fs::symlink_metadata(&real) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && ignore_missing => continue,
                Err(e) => return ctx.fail(error_code(&e), format!("{shown}: {e}")),
            };
            let outcome = if meta.is_dir() {
                if !recursive {
                    return ctx.fail("ENDPOINT_ERROR", format!("{shown} is a directory: set recursive to delete it"));
                }
                delete_tree(ctx, &real)
            } else {
                std::fs::remove_file(&real).map_err(Stop::Destination).map(|()| {
                    count_deleted(ctx, if meta.file_type().is_symlink() { "symlink" } else { "file" });
                })
            };
            match outcome {
                Ok(()) => {}
                Err(Stop::Ended) => return,
                Err(Stop::Source(e) | Stop::Destination(e)) => {
                    return ctx.fail(error_code(&e), format!("{shown}: {e}"));
                }
            }
        }
    }
    ctx.update(|t| t.finish(None));
}

fn count_deleted(ctx: &Ctx, kind: &str) {
    ctx.update(|t| {
        let c = &mut t.counters;
        match kind {
            "dir" => c.directories += 1,
            "symlink" => c.symlinks += 1,
            _ => c.files += 1,
        }
        c.subtasks_total += 1;
        c.subtasks_succeeded += 1;
    });
}

/// Delete a directory and everything in it, deepest first (links are removed, not followed).
fn delete_tree(ctx: &Ctx, dir: &Path) -> Result<(), Stop> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(Stop::Destination)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if ctx.ended() {
            return Err(Stop::Ended);
        }
        let meta = std::fs::symlink_metadata(&path).map_err(Stop::Destination)?;
        if meta.is_dir() {
            delete_tree(ctx, &path)?;
        } else {
            std::fs::remove_file(&path).map_err(Stop::Destination)?;
            count_deleted(ctx, if meta.file_type().is_symlink() { "symlink" } else { "file" });
        }
    }
    std::fs::remove_dir(dir).map_err(Stop::Destination)?;
    count_deleted(ctx, "dir");
    Ok(())
}
