"""Pure domain model: dataclasses, vocabularies and rules. Imports nothing of ours."""
