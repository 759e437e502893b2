/**
 * The only way the console's pages put anything on screen: elements built with createElement and
 * filled with textContent. Nothing is ever parsed as HTML, so pushed data, user names and error
 * messages can never become markup or script (test/unit/console-assets.test.ts greps the sources
 * and the bundles for every HTML sink).
 */

export type Child = Node | string | number | null | undefined | false;

/** `el('td', { class: 'num' }, 42)` — attributes are set as attributes, children as text or nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** The header texts of the table `body` belongs to, one per column. */
function columnNames(body: HTMLTableSectionElement): string[] {
  const table = body.parentElement;
  const header = table instanceof HTMLTableElement ? table.tHead?.rows[0] : undefined;
  return header === undefined ? [] : Array.from(header.cells, (cell) => cell.textContent?.trim() ?? '');
}

/**
 * A table body from rows of cells; a cell may be text or a node (a button). Each cell carries its
 * column's name (`data-label`), which the stylesheet shows beside the value when a narrow screen
 * turns the rows into cards.
 */
export function fillTable(body: HTMLTableSectionElement, rows: Child[][], empty: string, columns: number): void {
  if (rows.length === 0) {
    replace(body, el('tr', {}, el('td', { colspan: String(columns), class: 'empty' }, empty)));
    return;
  }
  const names = columnNames(body);
  const cell = (child: Child, index: number) => el('td', { 'data-label': names[index] || undefined }, child);
  replace(body, ...rows.map((cells) => el('tr', {}, ...cells.map(cell))));
}
