import { createRequire } from 'node:module';

/** The few DOM calls the SAML code makes. @xmldom/xmldom's own typings pull the DOM lib into the whole Node build, so it is loaded untyped. */
export interface XmlElement {
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  textContent: string | null;
}
export interface XmlDocument extends XmlElement {
  documentElement: XmlElement | null;
}

const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: new (o?: { errorHandler?: Record<string, () => void> }) => { parseFromString(xml: string, type: string): XmlDocument } };
const quiet = () => undefined;

/** Parses XML without logging its warnings; may throw on input that is not XML at all. */
export const parseXml = (xml: string): XmlDocument => new DOMParser({ errorHandler: { warning: quiet, error: quiet, fatalError: quiet } }).parseFromString(xml, 'text/xml');
export const attrOf = (el: XmlElement | undefined | null, name: string): string | null => el?.getAttribute(name) || null;
