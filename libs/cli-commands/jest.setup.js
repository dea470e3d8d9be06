// The CLI's views are asserted as plain text: colours off whatever the environment says
// (FORCE_COLOR, set to any value by a caller such as Nx or tools/test.sh, turns picocolors on).
process.env.NO_COLOR = '1';
