// Public surface of @rdbpkg/installer: every export by name.
export {}
