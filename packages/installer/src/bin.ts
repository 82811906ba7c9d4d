// The installer's command line; bundled by esbuild into dist/install.mjs.
process.stdout.write('usage: install [-h] [-f]\n\ntools installer or updater\n')
