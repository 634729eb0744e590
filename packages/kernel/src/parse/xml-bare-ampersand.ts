// Regions where a bare & is legal: CDATA sections, comments and processing instructions.
const LITERAL_REGIONS = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
const BARE_AMPERSAND = /&(?!(?:[A-Za-z_:][\w.:-]*|#[0-9]+|#x[0-9A-Fa-f]+);)/;

/**
 * Index of the first `&` that does not start an entity or character reference, or undefined.
 * saxes does refuse such text, but it may only notice at the end of the document ("unclosed tag"),
 * which points the author at the wrong line. This finds the real spot for a precise error.
 */
export function findBareAmpersand(xml: string): number | undefined {
  // Blank out the literal regions with spaces of the same length so indexes stay valid.
  const masked = xml.replace(LITERAL_REGIONS, (region) => " ".repeat(region.length));
  const match = BARE_AMPERSAND.exec(masked);
  return match ? match.index : undefined;
}
