// Prints its arguments as one JSON array, so a test can see exactly what argv the child received.
process.stdout.write(JSON.stringify(process.argv.slice(2)));
