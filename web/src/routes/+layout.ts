// A single-page app: rendered in the browser only, served as one index.html for every path.
export const ssr = false;
export const prerender = false;
