export {
  SymbolCatalog,
  type SymbolCatalogDeps,
  type SymbolsCacheStatus,
  type SymbolsResult,
} from './catalog.ts';
export {
  buildListing,
  isSymbolListing,
  type ListingRules,
  type SymbolEntry,
  type SymbolListing,
} from './listing.ts';
