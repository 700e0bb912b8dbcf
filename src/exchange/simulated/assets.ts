/**
 * Real asset names and rough reference USD prices. The order matters: the first assets get
 * futures contracts and cross-quote pairs, the way the most liquid coins do on Binance.
 * Assets without a reference price get a seed-hashed one.
 */

/** Reference USD prices of well-known assets (late-2024 magnitudes; exact values do not matter). */
export const REFERENCE_USD: Readonly<Record<string, number>> = {
  BTC: 62000,
  ETH: 3100,
  BNB: 580,
  SOL: 150,
  XRP: 0.55,
  ADA: 0.38,
  DOGE: 0.12,
  TRX: 0.16,
  DOT: 4.6,
  MATIC: 0.42,
  LTC: 68,
  BCH: 360,
  LINK: 11.5,
  AVAX: 26,
  XLM: 0.095,
  UNI: 7.4,
  ATOM: 4.5,
  ETC: 19,
  FIL: 3.6,
  APT: 8.9,
  ARB: 0.55,
  OP: 1.6,
  NEAR: 4.8,
  ICP: 8.7,
  AAVE: 150,
  MKR: 1500,
  PEPE: 0.000011,
  SHIB: 0.000018,
  FLOKI: 0.00014,
  BONK: 0.000021,
  SATS: 0.00000025,
  PAXG: 2650,
  USDC: 1,
  FDUSD: 1,
  TUSD: 1,
  USDT: 1,
  BUSD: 1,
  EUR: 1.08,
};

/** Quote assets whose price does not walk (pegged to one USD). */
export const STABLE_ASSETS: ReadonlySet<string> = new Set(['USDT', 'USDC', 'FDUSD', 'TUSD', 'BUSD']);

const NAMES = `BTC ETH BNB SOL XRP ADA DOGE TRX DOT MATIC LTC BCH LINK AVAX XLM UNI ATOM ETC FIL APT
ARB OP NEAR ICP AAVE MKR PEPE SHIB VET HBAR ALGO GRT SAND MANA AXS THETA EGLD XTZ EOS FLOW CHZ KAVA
ZEC DASH NEO IOTA QTUM ZIL ENJ BAT COMP SNX YFI SUSHI CRV 1INCH RUNE FTM KSM WAVES CELO ONE HOT IOST
ONT ICX ZRX ANKR STORJ SKL LRC DYDX GMX INJ SUI SEI TIA FLOKI BONK WIF JUP PYTH STX IMX RNDR FET
AGIX OCEAN GALA APE LDO RPL CFX MASK BLUR ENS GMT MAGIC HOOK ID ARKM WLD CYBER ORDI SATS TRB BAND
API3 ACH AUDIO BAL BEL BICO C98 CELR CHR COTI CTSI DENT DGB DUSK ELF FXS GLM HIGH IOTX JASMY JOE KNC
LINA LPT LQTY MINA MTL NKN OGN PEOPLE PERP QNT REEF RLC ROSE RSR RVN SFP SLP SPELL SSV STG SXP TLM
TWT UMA UNFI WOO XEM XVS YGG ZEN ALPHA AMB ARPA ASTR ATA BAKE BLZ BNT CKB CVC DODO EDU FLM FRONT GAS
HFT IDEX KEY LEVER LIT LOOM MAV MDT NMR OXT PHB POLYX POWR PROM QI RDNT RIF SANTOS STMX SUN SYS TRU
VIB VOXEL WAXP WIN XVG ALICE AR BADGER BETA CTK DATA DEGO DIA FIDA FIO FIS FOR GHST GTC HARD IRIS
JST KDA KMD LSK MBOX MOVR NULS OAX OM PAXG PNT POND PUNDIX QKC RAD RARE REQ SCRT SNT STRAX SUPER
TFUEL TKO TROY UTK VITE WAN WING XNO`;

/** Tradable base assets, most liquid first, without duplicates. */
export const BASE_ASSETS: readonly string[] = [...new Set(NAMES.split(/\s+/).filter(Boolean))];

/** Meme coins listed on futures per 1000 units (1000PEPEUSDT), as Binance does. */
export const PER_THOUSAND_ON_FUTURES: ReadonlySet<string> = new Set([
  'PEPE',
  'SHIB',
  'FLOKI',
  'BONK',
  'SATS',
]);
