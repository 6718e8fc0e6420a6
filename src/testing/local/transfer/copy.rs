//! Transfer tasks: expand the items (recursion, filter rules, symbolic links), create the
//! directories, copy the files (sync levels, checksums, throttle), delete extra destination
//! files.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use super::checksum::{self, Algorithm};
use super::paths::{self, Kind, Resolved, join};
use super::submit::TransferItem;
use super::tasks::Options;
use super::worker::{Ctx, Stop};
use super::{LocalCollection, delete, glob};
use crate::transfer::types;

const CHUNK: usize = 256 * 1024;
/// How often a checksum mismatch is retried before the task fails.
const VERIFY_ATTEMPTS: u32 = 3;

struct FileJob {
    src: Resolved,
    dst: Resolved,
    src_path: String,
    dst_path: String,
    dynamic: bool,
    external_checksum: Option<String>,
    algorithm: Algorithm,
}

/// A destination directory to create, and its Globus path as the user wrote it.
struct DirJob {
    dst: Resolved,
    dst_path: String,
}

/// The first filter rule that matches decides; no match includes.
fn included(options: &Options, name: &str, kind: &str) -> bool {
    options
        .filter_rules
        .iter()
        .find(|r| r.kind.is_none_or(|k| k == kind) && glob::matches(&r.name, name))
        .is_none_or(|r| r.include)
}

/// The plan of one recursive item: directories to create and files to copy.
struct Walk<'a> {
    ctx: &'a Ctx,
    source: &'a LocalCollection,
    options: &'a Options,
    item: &'a TransferItem,
    dirs: Vec<DirJob>,
    files: Vec<FileJob>,
    symlinks: i64,
    visited: HashSet<(u64, u64)>,
}

impl Walk<'_> {
    fn dir(&mut self, src: &Resolved, dst: &Resolved, src_path: &str, dst_path: &str) -> Result<(), Stop> {
        if self.ctx.ended() {
            return Err(Stop::Ended);
        }
        let dir = &self.source.dir;
        let listed = paths::stat(dir, &src.rel).and_then(|m| Ok((m, paths::list(dir, &src.rel)?)));
        let (meta, names) = match listed {
            Ok(found) => found,
            Err(e) if self.options.skip_source_errors => {
                self.ctx.skip(src_path, Some(dst_path), &e, true, false);
                return Ok(());
            }
            Err(e) => return Err(Stop::Source(e)),
        };
        if let Some(identity) = meta.identity
            && !self.visited.insert(identity)
        {
            return Ok(());
        }
        self.dirs.push(DirJob { dst: dst.clone(), dst_path: dst_path.to_string() });
        for name in names {
            let child = src.child(&name);
            let Ok(lmeta) = paths::lstat(dir, &child.rel) else { continue };
            let meta = if lmeta.kind == Kind::Symlink {
                self.symlinks += 1;
                // `ignore` skips links; `keep` and `copy` copy what they point to, when it
                // stays inside the collection (a link out of it, or a broken one, is skipped).
                if self.options.recursive_symlinks == "ignore" {
                    continue;
                }
                match paths::stat(dir, &child.rel) {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            } else {
                lmeta
            };
            // Special files (FIFOs, sockets, devices) are skipped, as Globus does: they have
            // no data to copy, and opening one may block.
            let kind = match meta.kind {
                Kind::Dir => "dir",
                Kind::File => "file",
                _ => continue,
            };
            let shown = name.to_string_lossy();
            if !included(self.options, &shown, kind) {
                continue;
            }
            let (s, d) = (join(src_path, &shown), join(dst_path, &shown));
            if meta.kind == Kind::Dir {
                self.dir(&child, &dst.child(&name), &s, &d)?;
            } else {
                self.files.push(FileJob {
                    dst: dst.child(&name),
                    src: child,
                    src_path: s,
                    dst_path: d,
                    dynamic: true,
                    external_checksum: None,
                    algorithm: self.item.algorithm,
                });
            }
        }
        Ok(())
    }
}

/// What one item expands to.
struct Plan {
    dirs: Vec<DirJob>,
    files: Vec<FileJob>,
    symlinks: i64,
    /// The directories whose extra destination files are deleted.
    prune: Option<(Resolved, Resolved)>,
}

/// Expand one item: a file, or a directory walked recursively.
fn expand(ctx: &Ctx, source: &LocalCollection, item: &TransferItem, options: &Options) -> Result<Plan, Stop> {
    ctx.hold_while_paused()?;
    source.still_granted().map_err(Stop::Source)?;
    let meta = paths::stat(&source.dir, &item.src.rel).map_err(Stop::Source)?;
    match meta.kind {
        Kind::Dir if !item.recursive => Err(Stop::Failed(
            "ENDPOINT_ERROR",
            format!("{} is a directory: set recursive to transfer it", item.src_path),
        )),
        Kind::Dir => {
            let mut walk = Walk {
                ctx,
                source,
                options,
                item,
                dirs: Vec::new(),
                files: Vec::new(),
                symlinks: 0,
                visited: HashSet::new(),
            };
            walk.dir(&item.src, &item.dst, &item.src_path, &item.dst_path)?;
            let prune = options.delete_destination_extra.then(|| (item.src.clone(), item.dst.clone()));
            Ok(Plan { dirs: walk.dirs, files: walk.files, symlinks: walk.symlinks, prune })
        }
        Kind::File => Ok(Plan {
            dirs: Vec::new(),
            files: vec![FileJob {
                src: item.src.clone(),
                dst: item.dst.clone(),
                src_path: item.src_path.clone(),
                dst_path: item.dst_path.clone(),
                dynamic: false,
                external_checksum: item.external_checksum.clone(),
                algorithm: item.algorithm,
            }],
            symlinks: 0,
            prune: None,
        }),
        other => Err(Stop::Source(paths::special_file(other))),
    }
}

pub(super) fn run(
    ctx: &Ctx,
    source: &LocalCollection,
    destination: &LocalCollection,
    items: &[TransferItem],
    options: &Options,
) {
    ctx.update(|t| {
        t.nice_status = Some("OK");
        let details = json!({
            "type": "Transfer",
            "concurrency": 1,
            "protocol": "local",
            "source": source.name,
            "destination": destination.name,
        });
        t.event("STARTED", false, "started", details.to_string());
    });
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    let mut prune = Vec::new();
    for item in items {
        if ctx.ended() {
            return;
        }
        // A source that is missing (or unreadable) is a fault, retried until the deadline.
        let plan = match ctx.retrying(options, &item.src_path, &item.dst_path, || expand(ctx, source, item, options)) {
            Ok(plan) => plan,
            Err(Stop::Source(e)) if options.skip_source_errors => {
                ctx.skip(&item.src_path, Some(&item.dst_path), &e, item.recursive, false);
                continue;
            }
            Err(stop) => return ctx.stop(stop, &item.src_path, &item.dst_path),
        };
        ctx.update(|t| t.counters.symlinks += plan.symlinks);
        dirs.extend(plan.dirs);
        files.extend(plan.files);
        prune.extend(plan.prune);
    }
    ctx.update(|t| {
        let c = &mut t.counters;
        c.files = files.len() as i64;
        c.directories = dirs.len() as i64;
        c.subtasks_total = c.files + c.directories + c.subtasks_skipped_errors;
        c.subtasks_pending = c.files + c.directories;
    });
    for d in &dirs {
        let made = ctx.retrying(options, &d.dst_path, &d.dst_path, || {
            ctx.hold_while_paused()?;
            destination.still_granted().map_err(Stop::Destination)?;
            if d.dst.is_root() { Ok(()) } else { paths::create_dirs(&destination.dir, &d.dst.rel).map_err(Stop::Destination) }
        });
        if let Err(stop) = made {
            return ctx.stop(stop, &d.dst_path, &d.dst_path);
        }
        ctx.done(|_| {});
    }
    for f in &files {
        match ctx.retrying(options, &f.src_path, &f.dst_path, || transfer_file(ctx, source, destination, f, options)) {
            Ok(()) => {}
            Err(Stop::Source(e)) if options.skip_source_errors => {
                ctx.skip(&f.src_path, Some(&f.dst_path), &e, false, true)
            }
            Err(stop) => return ctx.stop(stop, &f.src_path, &f.dst_path),
        }
    }
    for (src, dst) in &prune {
        if let Err(stop) = delete_extra(ctx, options, source, destination, src, dst) {
            return ctx.stop(stop, &src.path, &dst.path);
        }
    }
    ctx.update(|t| t.finish(None));
}

/// Whether the sync level says the destination is already up to date.
fn in_sync(
    ctx: &Ctx,
    source: &LocalCollection,
    destination: &LocalCollection,
    f: &FileJob,
    level: i64,
) -> Result<bool, Stop> {
    let dst = match paths::stat(&destination.dir, &f.dst.rel) {
        Ok(m) if m.kind == Kind::File => m,
        _ => return Ok(false),
    };
    let src = paths::stat(&source.dir, &f.src.rel).map_err(Stop::Source)?;
    Ok(match level {
        0 => true,
        1 => src.len == dst.len,
        2 => match (src.modified, dst.modified) {
            (Some(s), Some(d)) => s <= d,
            _ => false,
        },
        _ => {
            if src.len != dst.len {
                return Ok(false);
            }
            let a = checksum_of(ctx, source, &f.src, f.algorithm, Stop::Source)?;
            let b = checksum_of(ctx, destination, &f.dst, f.algorithm, Stop::Destination)?;
            ctx.update(|t| t.counters.bytes_checksummed += 2 * src.len as i64);
            a == b
        }
    })
}

/// The checksum of a file of a collection; errors are wrapped by `wrap`.
fn checksum_of(
    ctx: &Ctx,
    c: &LocalCollection,
    r: &Resolved,
    alg: Algorithm,
    wrap: fn(std::io::Error) -> Stop,
) -> Result<String, Stop> {
    let file = paths::open_read(&c.dir, &r.rel).map_err(wrap)?;
    let stop = || ctx.ended();
    checksum::of_file(file, alg, &stop).map_err(|e| interrupted_or(e, wrap))
}

fn interrupted_or(e: std::io::Error, wrap: fn(std::io::Error) -> Stop) -> Stop {
    if e.kind() == std::io::ErrorKind::Interrupted { Stop::Ended } else { wrap(e) }
}

fn transfer_file(
    ctx: &Ctx,
    source: &LocalCollection,
    destination: &LocalCollection,
    f: &FileJob,
    options: &Options,
) -> Result<(), Stop> {
    if ctx.ended() {
        return Err(Stop::Ended);
    }
    // Pauses and access rules as they are now: a pause holds the task here, a rule deleted
    // since the last file takes the access back.
    ctx.hold_while_paused()?;
    source.still_granted().map_err(Stop::Source)?;
    destination.still_granted().map_err(Stop::Destination)?;
    if let Some(level) = options.sync_level
        && in_sync(ctx, source, destination, f, level)?
    {
        ctx.done(|t| t.counters.files_skipped += 1);
        return Ok(());
    }
    let hash = (options.verify_checksum || f.external_checksum.is_some()).then_some(f.algorithm);
    let mut attempt = 0;
    let (size, checksum) = loop {
        attempt += 1;
        let (size, source_sum) = copy(ctx, source, destination, f, hash, options.preserve_timestamp)?;
        if let (Some(expected), Some(actual)) = (&f.external_checksum, &source_sum)
            && expected != actual
        {
            let msg = format!(
                "{}: the {} checksum is {actual}, not the external_checksum {expected}",
                f.src_path,
                f.algorithm.name()
            );
            return Err(Stop::Failed("VERIFY_CHECKSUM", msg));
        }
        if !options.verify_checksum {
            break (size, source_sum);
        }
        let dest_sum = checksum_of(ctx, destination, &f.dst, f.algorithm, Stop::Destination)?;
        ctx.update(|t| t.counters.bytes_checksummed += size as i64);
        if Some(&dest_sum) == source_sum.as_ref() {
            break (size, source_sum);
        }
        ctx.update(|t| {
            t.counters.faults += 1;
            t.event("VERIFY_CHECKSUM", true, "checksum verification failed", format!("{}: retrying", f.dst_path));
        });
        if attempt >= VERIFY_ATTEMPTS {
            let msg = format!("{}: the checksums differ after {attempt} attempts", f.dst_path);
            return Err(Stop::Failed("VERIFY_CHECKSUM", msg));
        }
    };
    ctx.done(|t| {
        t.counters.files_transferred += 1;
        t.successful.push(types::SuccessfulTransfer {
            checksum: checksum.clone(),
            checksum_algorithm: checksum.as_ref().map(|_| f.algorithm.name().to_string()),
            data_type: Some("successful_transfer".into()),
            destination_path: Some(f.dst_path.clone()),
            dynamic: Some(f.dynamic),
            size: Some(size as i64),
            source_path: Some(f.src_path.clone()),
            extra: Default::default(),
        });
    });
    Ok(())
}

/// Copy one file in chunks, counting bytes as they go and honouring the throttle; returns
/// the size and, with `hash`, the source's checksum. Both ends stay beneath their
/// collection's root; only regular files are opened.
fn copy(
    ctx: &Ctx,
    source: &LocalCollection,
    destination: &LocalCollection,
    f: &FileJob,
    hash: Option<Algorithm>,
    preserve_timestamp: bool,
) -> Result<(u64, Option<String>), Stop> {
    let mut src = paths::open_read(&source.dir, &f.src.rel).map_err(Stop::Source)?;
    let src_meta = src.metadata().map(|m| paths::Meta::of(&m)).map_err(Stop::Source)?;
    let parent = f.dst.parent();
    if !parent.is_root() {
        paths::create_dirs(&destination.dir, &parent.rel).map_err(Stop::Destination)?;
    }
    // Through links, the destination may be the source itself: never truncate it.
    if let Ok(existing) = paths::stat(&destination.dir, &f.dst.rel)
        && existing.same_file(&src_meta)
    {
        let msg = format!("{}: the destination is the source file itself", f.dst_path);
        return Err(Stop::Failed("ENDPOINT_ERROR", msg));
    }
    let mut dst = paths::create(&destination.dir, &f.dst.rel).map_err(Stop::Destination)?;
    let mut hasher = hash.map(Algorithm::hasher);
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        // A pause takes effect between chunks, a file being copied included.
        ctx.hold_while_paused()?;
        let rate = ctx.throttle.load(Ordering::Relaxed);
        let chunk = if rate > 0 { ((rate / 10) as usize).clamp(1, CHUNK) } else { CHUNK };
        let n = src.read(&mut buf[..chunk]).map_err(Stop::Source)?;
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n]).map_err(Stop::Destination)?;
        if let Some(h) = hasher.as_mut() {
            h.update(&buf[..n]);
        }
        total += n as u64;
        // A task canceled or expired meanwhile keeps the counts it ended with.
        ctx.update(|t| {
            if t.is_active() {
                t.counters.bytes_transferred += n as i64;
            }
        });
        if rate > 0 && !ctx.sleep(Duration::from_secs_f64(n as f64 / rate as f64)) {
            return Err(Stop::Ended);
        }
    }
    dst.flush().map_err(Stop::Destination)?;
    if preserve_timestamp && let Some(mtime) = src_meta.modified {
        dst.set_modified(mtime).map_err(Stop::Destination)?;
    }
    Ok((total, hasher.map(|h| h.finish())))
}

/// Delete what the destination directory holds and the source does not (filter rules
/// protect what they exclude).
fn delete_extra(
    ctx: &Ctx,
    options: &Options,
    source: &LocalCollection,
    destination: &LocalCollection,
    src: &Resolved,
    dst: &Resolved,
) -> Result<(), Stop> {
    let Ok(names) = paths::list(&destination.dir, &dst.rel) else { return Ok(()) };
    for name in names {
        if ctx.ended() {
            return Err(Stop::Ended);
        }
        destination.still_granted().map_err(Stop::Destination)?;
        let extra = dst.child(&name);
        let Ok(meta) = paths::lstat(&destination.dir, &extra.rel) else { continue };
        let kind = if meta.kind == Kind::Dir { "dir" } else { "file" };
        if !included(options, &name.to_string_lossy(), kind) {
            continue;
        }
        let counterpart = src.child(&name);
        match paths::stat(&source.dir, &counterpart.rel) {
            Ok(m) if m.kind == Kind::Dir && meta.kind == Kind::Dir => {
                delete_extra(ctx, options, source, destination, &counterpart, &extra)?
            }
            Ok(_) => {}
            Err(_) => {
                if meta.kind == Kind::Dir {
                    delete::remove_tree(&destination.dir, &extra.rel, &mut |_| Ok(()))?;
                } else {
                    destination.dir.remove_file(&extra.rel).map_err(Stop::Destination)?;
                }
                ctx.update(|t| {
                    t.counters.subtasks_total += 1;
                    t.counters.subtasks_succeeded += 1;
                });
            }
        }
    }
    Ok(())
}
