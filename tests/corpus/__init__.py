"""The bad-input corpus: hostile variations of each pipeline's vendor files, generated into a
temporary folder by code (no data file is committed), and what the pipeline must do with each:
refuse the file with a clear first line of error, or read every physical record and account for
each one as loaded or quarantined with a reason.

``build`` writes tiny inputs and counts physical records independently of the code under test;
``cases`` lists the cases; ``test_corpus`` runs them through ``jobs.main.main``."""
