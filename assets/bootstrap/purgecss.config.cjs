// Keeps only the Bootstrap rules our templates (and crispy-bootstrap5's) use: `make css` rebuilds
// static/vendor/bootstrap/bootstrap.min.css from the full vendored file, so pages stay under 60 KB.
module.exports = {
  content: [
    "templates/**/*.html",
    "diagnosis/**/*.py",
    "guides/**/*.py",
    "static/js/*.js",
    ".venv/lib/python*/site-packages/crispy_bootstrap5/templates/bootstrap5/**/*.html",
  ],
  css: ["assets/bootstrap/bootstrap-5.3.8.min.css"],
  // Elements that only appear in rendered guide Markdown.
  safelist: {
    standard: ["table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "code", "pre", "em", "strong", "h5", "h6", "sup", "sub", "abbr", "mark", "small", "kbd"],
  },
  fontFace: false,
  keyframes: true,
  variables: false,
};
