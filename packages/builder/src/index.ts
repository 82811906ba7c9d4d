// Public surface of @rdbpkg/builder: every export by name.
export {}
