//! Transfer tasks: expand the items (recursion, filter rules, symbolic links), create the
//! directories, copy the files (sync levels, checksums, throttle), delete extra destination
//! files.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use super::checksum::{self, Algorithm};
use super::paths::{self, join};
use super::submit::TransferItem;
use super::tasks::Options;
use super::worker::{Ctx, Stop, error_code};
use super::{LocalCollection, glob};
use crate::transfer::types;

const CHUNK: usize = 256 * 1024;
/// How often a checksum mismatch is retried before the task fails.
const VERIFY_ATTEMPTS: u32 = 3;

struct FileJob {
    src: PathBuf,
    dst: PathBuf,
    src_path: String,
    dst_path: String,
    dynamic: bool,
    external_checksum: Option<String>,
    algorithm: Algorithm,
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
    root: &'a Path,
    options: &'a Options,
    item: &'a TransferItem,
    dirs: Vec<PathBuf>,
    files: Vec<FileJob>,
    visited: HashSet<PathBuf>,
}

impl Walk<'_> {
    fn dir(&mut self, src: &Path, dst: &Path, src_path: &str, dst_path: &str) -> Result<(), Stop> {
        if self.ctx.ended() {
            return Err(Stop::Ended);
        }
        if let Ok(canonical) = std::fs::canonicalize(src)
            && !self.visited.insert(canonical)
        {
            return Ok(());
        }
        self.dirs.push(dst.to_path_buf());
        let mut entries: Vec<(String, PathBuf)> = match std::fs::read_dir(src) {
            Ok(rd) => {
                rd.filter_map(Result::ok).map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect()
            }
            Err(e) if self.options.skip_source_errors => {
                self.ctx.skip(src_path, Some(dst_path), &e, true, false);
                return Ok(());
            }
            Err(e) => return Err(Stop::Source(e)),
        };
        entries.sort();
        for (name, path) in entries {
            let Ok(lmeta) = std::fs::symlink_metadata(&path) else { continue };
            let meta = if lmeta.file_type().is_symlink() {
                self.ctx.update(|t| t.counters.symlinks += 1);
                // `ignore` skips links; `keep` and `copy` copy what they point to, when it
                // stays inside the collection.
                if self.options.recursive_symlinks == "ignore" || !paths::inside(self.root, &path) {
                    continue;
                }
                match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(_) => continue,
                }
            } else {
                lmeta
            };
            let kind = if meta.is_dir() { "dir" } else { "file" };
            if !included(self.options, &name, kind) {
                continue;
            }
            let (s, d) = (join(src_path, &name), join(dst_path, &name));
            if meta.is_dir() {
                self.dir(&path, &dst.join(&name), &s, &d)?;
            } else if meta.is_file() {
                self.files.push(FileJob {
                    src: path,
                    dst: dst.join(&name),
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
        let meta = match std::fs::metadata(&item.src.real) {
            Ok(m) => m,
            Err(e) if options.skip_source_errors => {
                ctx.skip(&item.src_path, Some(&item.dst_path), &e, item.recursive, false);
                continue;
            }
            Err(e) => return ctx.fail(error_code(&e), format!("{}: {e}", item.src_path)),
        };
        if meta.is_dir() {
            if !item.recursive {
                let msg = format!("{} is a directory: set recursive to transfer it", item.src_path);
                return ctx.fail("ENDPOINT_ERROR", msg);
            }
            let mut walk = Walk {
                ctx,
                root: source.root(),
                options,
                item,
                dirs: Vec::new(),
                files: Vec::new(),
                visited: HashSet::new(),
            };
            match walk.dir(&item.src.real, &item.dst.real, &item.src_path, &item.dst_path) {
                Ok(()) => {}
                Err(Stop::Ended) => return,
                Err(Stop::Source(e) | Stop::Destination(e)) => {
                    return ctx.fail(error_code(&e), format!("{}: {e}", item.src_path));
                }
            }
            dirs.extend(walk.dirs);
            files.extend(walk.files);
            if options.delete_destination_extra {
                prune.push((item.src.real.clone(), item.dst.real.clone()));
            }
        } else {
            files.push(FileJob {
                src: item.src.real.clone(),
                dst: item.dst.real.clone(),
                src_path: item.src_path.clone(),
                dst_path: item.dst_path.clone(),
                dynamic: false,
                external_checksum: item.external_checksum.clone(),
                algorithm: item.algorithm,
            });
        }
    }
    ctx.update(|t| {
        let c = &mut t.counters;
        c.files = files.len() as i64;
        c.directories = dirs.len() as i64;
        c.subtasks_total = c.files + c.directories + c.subtasks_skipped_errors;
        c.subtasks_pending = c.files + c.directories;
    });
    for dir in &dirs {
        if ctx.ended() {
            return;
        }
        if let Err(e) = std::fs::create_dir_all(dir) {
            return ctx.fail(error_code(&e), format!("cannot create the destination directory: {e}"));
        }
        ctx.done(|_| {});
    }
    for f in &files {
        match transfer_file(ctx, f, options) {
            Ok(()) => {}
            Err(Stop::Ended) => return,
            Err(Stop::Source(e)) if options.skip_source_errors => {
                ctx.skip(&f.src_path, Some(&f.dst_path), &e, false, true)
            }
            Err(Stop::Source(e)) => return ctx.fail(error_code(&e), format!("{}: {e}", f.src_path)),
            Err(Stop::Destination(e)) => return ctx.fail(error_code(&e), format!("{}: {e}", f.dst_path)),
        }
    }
    for (src, dst) in &prune {
        if let Err(stop) = delete_extra(ctx, options, src, dst) {
            match stop {
                Stop::Ended => return,
                Stop::Source(e) | Stop::Destination(e) => {
                    return ctx.fail(error_code(&e), format!("deleting extra destination files: {e}"));
                }
            }
        }
    }
    ctx.update(|t| t.finish(None));
}

/// Whether the sync level says the destination is already up to date.
fn in_sync(ctx: &Ctx, f: &FileJob, level: i64) -> Result<bool, Stop> {
    let Ok(dst) = std::fs::metadata(&f.dst) else { return Ok(false) };
    let src = std::fs::metadata(&f.src).map_err(Stop::Source)?;
    Ok(match level {
        0 => true,
        1 => src.len() == dst.len(),
        2 => match (src.modified(), dst.modified()) {
            (Ok(s), Ok(d)) => s <= d,
            _ => false,
        },
        _ => {
            if src.len() != dst.len() {
                return Ok(false);
            }
            let stop = || ctx.ended();
            let a = checksum::of_file(&f.src, f.algorithm, &stop).map_err(|e| interrupted_or(e, Stop::Source))?;
            let b = checksum::of_file(&f.dst, f.algorithm, &stop).map_err(|e| interrupted_or(e, Stop::Destination))?;
            ctx.update(|t| t.counters.bytes_checksummed += 2 * src.len() as i64);
            a == b
        }
    })
}

fn interrupted_or(e: std::io::Error, wrap: fn(std::io::Error) -> Stop) -> Stop {
    if e.kind() == std::io::ErrorKind::Interrupted { Stop::Ended } else { wrap(e) }
}

fn transfer_file(ctx: &Ctx, f: &FileJob, options: &Options) -> Result<(), Stop> {
    if ctx.ended() {
        return Err(Stop::Ended);
    }
    if let Some(level) = options.sync_level
        && in_sync(ctx, f, level)?
    {
        ctx.done(|t| t.counters.files_skipped += 1);
        return Ok(());
    }
    let hash = (options.verify_checksum || f.external_checksum.is_some()).then_some(f.algorithm);
    let mut attempt = 0;
    let (size, checksum) = loop {
        attempt += 1;
        let (size, source_sum) = copy(ctx, f, hash)?;
        if let (Some(expected), Some(actual)) = (&f.external_checksum, &source_sum)
            && expected != actual
        {
            let msg = format!(
                "{}: the {} checksum is {actual}, not the external_checksum {expected}",
                f.src_path,
                f.algorithm.name()
            );
            ctx.fail("VERIFY_CHECKSUM", msg);
            return Err(Stop::Ended);
        }
        if !options.verify_checksum {
            break (size, source_sum);
        }
        let stop = || ctx.ended();
        let dest_sum =
            checksum::of_file(&f.dst, f.algorithm, &stop).map_err(|e| interrupted_or(e, Stop::Destination))?;
        ctx.update(|t| t.counters.bytes_checksummed += size as i64);
        if Some(&dest_sum) == source_sum.as_ref() {
            break (size, source_sum);
        }
        ctx.update(|t| {
            t.counters.faults += 1;
            t.event("VERIFY_CHECKSUM", true, "checksum verification failed", format!("{}: retrying", f.dst_path));
        });
        if attempt >= VERIFY_ATTEMPTS {
            ctx.fail("VERIFY_CHECKSUM", format!("{}: the checksums differ after {attempt} attempts", f.dst_path));
            return Err(Stop::Ended);
        }
    };
    if options.preserve_timestamp {
        let mtime = std::fs::metadata(&f.src).and_then(|m| m.modified()).map_err(Stop::Source)?;
        std::fs::File::options()
            .write(true)
            .open(&f.dst)
            .and_then(|file| file.set_modified(mtime))
            .map_err(Stop::Destination)?;
    }
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
/// the size and, with `hash`, the source's checksum.
fn copy(ctx: &Ctx, f: &FileJob, hash: Option<Algorithm>) -> Result<(u64, Option<String>), Stop> {
    let mut src = std::fs::File::open(&f.src).map_err(Stop::Source)?;
    if let Some(parent) = f.dst.parent() {
        std::fs::create_dir_all(parent).map_err(Stop::Destination)?;
    }
    // Through links, the destination may be the source itself: never truncate it.
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(&f.src), std::fs::canonicalize(&f.dst))
        && a == b
    {
        return Err(Stop::Destination(std::io::Error::other("the destination is the source file itself")));
    }
    let mut dst = std::fs::File::create(&f.dst).map_err(Stop::Destination)?;
    let mut hasher = hash.map(Algorithm::hasher);
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        if ctx.ended() {
            return Err(Stop::Ended);
        }
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
    Ok((total, hasher.map(|h| h.finish())))
}

/// Delete what the destination directory holds and the source does not (filter rules
/// protect what they exclude).
fn delete_extra(ctx: &Ctx, options: &Options, src: &Path, dst: &Path) -> Result<(), Stop> {
    let Ok(rd) = std::fs::read_dir(dst) else { return Ok(()) };
    let mut entries: Vec<(String, PathBuf)> =
        rd.filter_map(Result::ok).map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect();
    entries.sort();
    for (name, path) in entries {
        if ctx.ended() {
            return Err(Stop::Ended);
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let kind = if meta.is_dir() { "dir" } else { "file" };
        if !included(options, &name, kind) {
            continue;
        }
        let counterpart = src.join(&name);
        match std::fs::metadata(&counterpart) {
            Ok(m) if m.is_dir() && meta.is_dir() => delete_extra(ctx, options, &counterpart, &path)?,
            Ok(_) => {}
            Err(_) => {
                let removed = if meta.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                removed.map_err(Stop::Destination)?;
                ctx.update(|t| {
                    t.counters.subtasks_total += 1;
                    t.counters.subtasks_succeeded += 1;
                });
            }
        }
    }
    Ok(())
}
