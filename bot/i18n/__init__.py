"""The lowest floor: translators and their catalogues (gettext through Babel, dates in the
reader's locale), the catalogue checker, and the binding Dutch legal texts, versioned."""
