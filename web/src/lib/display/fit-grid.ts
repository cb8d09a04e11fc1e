/** How tiles are laid out on a wall display. */
export interface GridFit {
  columns: number;
  rows: number;
  /** Tiles on each page (the last page may have fewer). */
  perPage: number;
  pages: number;
  tileWidth: number;
  tileHeight: number;
  /** The item name's font size in px; the rest of a tile's type scales from it. */
  nameSize: number;
}

export interface FitOptions {
  /** Space between tiles, px. */
  gap: number;
  /** The smallest tile still legible from across a room, px. Past it, items go onto pages. */
  minTileWidth: number;
  minTileHeight: number;
  /** The tile shape we aim for, width / height. */
  aspect: number;
  minNameSize: number;
  maxNameSize: number;
}

export const DEFAULT_FIT: FitOptions = { gap: 12, minTileWidth: 220, minTileHeight: 118, aspect: 2, minNameSize: 18, maxNameSize: 112 };

/**
 * Fits `count` tiles into a `width` × `height` area without scrolling:
 *
 * 1. How many tiles of the minimum legible size fit at most (the page capacity).
 * 2. Past that, pages of that many tiles; every page is laid out alike, so tiles do not jump in
 *    size when a page turns.
 * 3. For the tiles of one page, the column count whose tiles are largest, where "large" is the
 *    smaller of the tile's width and its height times `aspect` (a tile that is very wide but
 *    short holds no bigger type).
 * 4. The name's font size from the tile: about four lines of it must fit the height (two lines of
 *    name, the status, a note), and about nine characters a line the width.
 */
export function fitGrid(count: number, width: number, height: number, options: FitOptions = DEFAULT_FIT): GridFit {
  const { gap } = options;
  const maxColumns = Math.max(1, Math.floor((width + gap) / (options.minTileWidth + gap)));
  const maxRows = Math.max(1, Math.floor((height + gap) / (options.minTileHeight + gap)));
  const capacity = maxColumns * maxRows;
  const perPage = Math.max(1, Math.min(count, capacity));
  const pages = Math.max(1, Math.ceil(count / capacity));

  let best = { columns: 1, rows: perPage, tileWidth: 0, tileHeight: 0, score: -1, empty: 0 };
  for (let columns = 1; columns <= Math.min(perPage, maxColumns); columns++) {
    const rows = Math.ceil(perPage / columns);
    if (rows > maxRows) continue;
    const tileWidth = (width - gap * (columns - 1)) / columns;
    const tileHeight = (height - gap * (rows - 1)) / rows;
    const score = Math.min(tileWidth, tileHeight * options.aspect);
    const empty = columns * rows - perPage;
    // Prefer larger tiles; between nearly equal ones, fewer empty cells.
    if (score > best.score * 1.02 || (score >= best.score * 0.98 && empty < best.empty)) {
      best = { columns, rows, tileWidth, tileHeight, score, empty };
    }
  }
  const nameSize = Math.round(Math.min(options.maxNameSize, Math.max(options.minNameSize, Math.min(best.tileHeight / 4.3, best.tileWidth / 8))));
  return {
    columns: best.columns,
    rows: best.rows,
    perPage,
    pages,
    tileWidth: Math.floor(best.tileWidth),
    tileHeight: Math.floor(best.tileHeight),
    nameSize,
  };
}
