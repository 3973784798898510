//! The terminology engine: the catalogue of loaded code system versions, one read-only SQLite
//! connection per thread (so statements stay prepared and no lock is shared on the hot path),
//! and cached in-memory hierarchies.

use super::memory::MemCodeSystem;
use super::{Error, Result};
use crate::index::{Hierarchy, Indexes};
use crate::model::CodeSystemVersion;
use crate::model::value_set::ValueSet;
use crate::store::Store;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

thread_local! {
    static STORE: RefCell<Option<(PathBuf, Store)>> = const { RefCell::new(None) };
}

/// The engine shared by all workers.
pub struct Terminology {
    db_path: PathBuf,
    catalog: Vec<CodeSystemVersion>,
    /// Positions in `catalog` by URL: resolving a system scanned the whole catalogue (1,960
    /// versions on the default dataset) several times per request.
    by_url: HashMap<String, Vec<usize>>,
    indexes: Indexes,
    /// Display language used when a request names none (`en-US`, `en-GB`, `en-x-<refset>`).
    pub default_language: String,
    /// Size and time limits of `$expand`.
    pub limits: super::expand::Limits,
    /// The code system `$normalize` lands on unless a request names another.
    pub canonical_system: String,
    /// Stored value sets by (url, version asked for), read and parsed once: the release is
    /// immutable, and parsing a value set's JSON on every `$validate-code` was most of its
    /// cost.
    value_sets: RwLock<StoredValueSets>,
    /// The map refsets of each SNOMED CT version, read once per release (every `$translate`
    /// and `$normalize` asks).
    map_refsets: RwLock<HashMap<i64, Arc<Vec<String>>>>,
}

/// Stored value sets by (url, version asked for).
type StoredValueSets = HashMap<(String, Option<String>), Option<Arc<ValueSet>>>;

/// Per-request context: language preference and `tx-resource` content.
#[derive(Default)]
pub struct RequestContext {
    /// Language tags in preference order (from `displayLanguage` or `Accept-Language`).
    pub languages: Vec<String>,
    /// The language preference as the request wrote it (messages quote it).
    pub languages_as_given: Option<String>,
    /// Only the requested languages will do (`*; q=0` in the preference): no display falls
    /// back to another language.
    pub languages_exclusive: bool,
    /// Versions to use for code systems the request or value set leaves unversioned
    /// (`system-version`: `system|version`).
    pub system_versions: Vec<(String, String)>,
    /// Versions to use for code systems whatever the value set says (`force-system-version`).
    pub force_system_versions: Vec<(String, String)>,
    /// Versions code systems must have (`check-system-version`; wildcards allowed).
    pub check_system_versions: Vec<(String, String)>,
    /// Versions to use for value sets referenced without one (`default-valueset-version`:
    /// `url|version`).
    pub value_set_versions: Vec<(String, String)>,
    /// Code system supplements the request requires (`useSupplement`).
    pub use_supplements: Vec<String>,
    /// A lower limit on unpaged expansions for this request (`X-TOO-COSTLY-THRESHOLD`; a
    /// client may lower the server's limit, never raise it).
    pub max_unpaged: Option<usize>,
    /// CodeSystems supplied with the request.
    pub code_systems: Vec<Arc<MemCodeSystem>>,
    /// ValueSets supplied with the request.
    pub value_sets: Vec<crate::model::value_set::ValueSet>,
    /// ConceptMaps supplied with the request.
    pub concept_maps: Vec<crate::model::concept_map::ConceptMap>,
}

impl Terminology {
    /// Opens the store at `db_path` and reads the catalogue; `index` is the release's index
    /// file, mapped read-only (without one, each version's index is built from the store on
    /// first use).
    pub fn open(db_path: &Path, index: Option<&Path>, default_language: &str) -> Result<Self> {
        let store = Store::open_read_only(db_path)?;
        let catalog = store.code_systems()?;
        let indexes = match index {
            Some(path) => Indexes::mapped(crate::index::file::IndexFile::open(path)?),
            None => Indexes::default(),
        };
        let mut by_url: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, cs) in catalog.iter().enumerate() {
            by_url.entry(cs.url.clone()).or_default().push(i);
        }
        Ok(Terminology {
            db_path: db_path.to_path_buf(),
            catalog,
            by_url,
            indexes,
            default_language: default_language.to_string(),
            limits: super::expand::Limits::default(),
            canonical_system: crate::model::uri::SNOMED.to_string(),
            value_sets: RwLock::new(HashMap::new()),
            map_refsets: RwLock::new(HashMap::new()),
        })
    }

    /// The map refsets a code system version holds, read once per release (the catalogue
    /// bounds the keys).
    pub fn map_refsets(&self, cs: i64) -> Result<Arc<Vec<String>>> {
        read_through(
            &self.map_refsets,
            cs,
            || Ok(Arc::new(self.with_store(|s| Ok(s.map_refsets(cs)?))?)),
            |_| true,
        )
    }

    /// A stored value set (`version` as asked for), parsed once per release.
    pub fn stored_value_set(
        &self,
        url: &str,
        version: Option<&str>,
    ) -> Result<Option<Arc<ValueSet>>> {
        read_through(
            &self.value_sets,
            (url.to_string(), version.map(str::to_string)),
            || {
                Ok(self
                    .with_store(|s| Ok(s.value_set(url, version)?))?
                    .map(Arc::new))
            },
            // Only what is stored is kept, so requests naming made-up URLs cannot grow the
            // cache.
            Option::is_some,
        )
    }

    /// Every loaded code system version.
    pub fn catalog(&self) -> &[CodeSystemVersion] {
        &self.catalog
    }

    /// The loaded versions of the code system `url`, in catalogue order.
    pub fn versions_of<'a>(&'a self, url: &str) -> impl Iterator<Item = &'a CodeSystemVersion> {
        self.by_url
            .get(url)
            .into_iter()
            .flatten()
            .map(|&i| &self.catalog[i])
    }

    /// Runs `f` with this thread's connection to the store.
    pub fn with_store<R>(&self, f: impl FnOnce(&Store) -> Result<R>) -> Result<R> {
        STORE.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(p, _)| p != &self.db_path) {
                *slot = Some((self.db_path.clone(), Store::open_read_only(&self.db_path)?));
            }
            let (_, store) = slot
                .as_ref()
                .ok_or_else(|| Error::Internal("no store".into()))?;
            f(store)
        })
    }

    /// The index of one version, opened (or built) on first use and kept.
    pub fn hierarchy(&self, cs: i64) -> Result<Arc<Hierarchy>> {
        self.indexes
            .get(cs, &|build| self.with_store(|s| Ok(build(s)?)))
    }

    /// The typeahead term index of one version, opened (or built) on first use and kept.
    pub fn terms(&self, cs: i64) -> Result<Arc<crate::index::terms::TermIndex>> {
        let h = self.hierarchy(cs)?;
        self.indexes.terms(cs, &h)
    }

    /// Opens every version's indexes up front (at server start: mapping reads only their
    /// small tables, and a damaged index file is found before the first request).
    pub fn warm_up(&self) -> Result<()> {
        for cs in &self.catalog {
            self.terms(cs.id)?;
        }
        Ok(())
    }

    /// Starts reading the release's index file into the page cache (see
    /// [`crate::index::file::IndexFile::prefetch`]); returns at once.
    pub fn prefetch_index(&self) {
        if let Some(f) = self.indexes.file() {
            f.prefetch();
        }
    }

    /// The size of the mapped index file, when there is one.
    pub fn index_bytes(&self) -> Option<usize> {
        self.indexes.file().map(|f| f.len())
    }
}

/// The value cached under `key`, or else the one `load` gives, kept when `keep` says so.
fn read_through<K: Eq + std::hash::Hash, V: Clone>(
    cache: &RwLock<HashMap<K, V>>,
    key: K,
    load: impl FnOnce() -> Result<V>,
    keep: impl Fn(&V) -> bool,
) -> Result<V> {
    if let Some(v) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(v.clone());
    }
    let found = load()?;
    if keep(&found) {
        cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, found.clone());
    }
    Ok(found)
}
