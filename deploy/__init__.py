"""AWS artefacts generated from code: packaging, job definitions, templates."""
