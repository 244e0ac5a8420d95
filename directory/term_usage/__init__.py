"""Where the classification's terms are used, and the term changes that reach every record using them."""
