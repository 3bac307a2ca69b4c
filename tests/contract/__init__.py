"""Client-contract suite: every test runs through both client generations against both backends."""
