// Public surface of @rdbpkg/rpm-sim: every export by name.
export {}
