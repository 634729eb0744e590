// Public API of @kiwi/threads-postgres, listed by name on purpose (no `export *`): what is not here is internal.
