//! The builder's per-service settings, one value per type: each service module keeps its own
//! settings type, filled by the builder methods it adds and taken when it starts, so the
//! builder itself knows no service.

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Settings by type (a service's settings type is private to its module).
#[derive(Default)]
pub(crate) struct Settings {
    values: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl Settings {
    /// Change the `T` settings (the default ones if none were set).
    pub fn update<T: Default + Send + 'static>(&mut self, change: impl FnOnce(&mut T)) {
        let mut value = self.take::<T>();
        change(&mut value);
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// Take the `T` settings out (the default ones if none were set).
    pub fn take<T: Default + Send + 'static>(&mut self) -> T {
        self.values.remove(&TypeId::of::<T>()).and_then(|v| v.downcast::<T>().ok()).map(|v| *v).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_its_settings() {
        let mut s = Settings::default();
        s.update(|n: &mut u32| *n += 2);
        s.update(|n: &mut u32| *n *= 10);
        s.update(|v: &mut Vec<String>| v.push("x".into()));
        assert_eq!(s.take::<u32>(), 20);
        assert_eq!(s.take::<u32>(), 0, "taken out");
        assert_eq!(s.take::<Vec<String>>(), ["x"]);
    }
}
