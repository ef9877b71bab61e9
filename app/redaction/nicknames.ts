/**
 * Common English short forms, each group one person's first name. A participant registered as
 * "Robert" is called "Rob" in the conversation; without this the short form would leak.
 */
const GROUPS: readonly (readonly string[])[] = [
  ['robert', 'rob', 'robbie', 'bob', 'bobby', 'bert'],
  ['william', 'will', 'bill', 'billy', 'liam', 'willie'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['joseph', 'joe', 'joey'],
  ['john', 'johnny', 'jack'],
  ['jonathan', 'jon', 'jonny'],
  ['michael', 'mike', 'mick', 'mickey'],
  ['richard', 'rick', 'ricky', 'dick', 'rich'],
  ['thomas', 'tom', 'tommy'],
  ['daniel', 'dan', 'danny'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['benjamin', 'ben', 'benny'],
  ['christopher', 'chris', 'kit'],
  ['christine', 'chris', 'chrissy'],
  ['matthew', 'matt'],
  ['andrew', 'andy', 'drew'],
  ['anthony', 'tony'],
  ['edward', 'ed', 'eddie', 'ted', 'ned'],
  ['peter', 'pete'],
  ['oliver', 'ollie', 'olly'],
  ['alexander', 'alex', 'sandy'],
  ['alexandra', 'alex', 'sandra', 'sandy'],
  ['charles', 'charlie', 'chuck'],
  ['nicholas', 'nick', 'nicky'],
  ['stephen', 'steve', 'stevie'],
  ['steven', 'steve', 'stevie'],
  ['timothy', 'tim', 'timmy'],
  ['patrick', 'pat', 'paddy'],
  ['patricia', 'pat', 'patty', 'trish'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'eliza'],
  ['katherine', 'kate', 'katie', 'kathy', 'kat'],
  ['catherine', 'cate', 'cathy', 'kate', 'katie'],
  ['margaret', 'maggie', 'meg', 'peggy'],
  ['jennifer', 'jen', 'jenny'],
  ['rebecca', 'becky', 'becca'],
  ['victoria', 'vicky', 'tori'],
  ['deborah', 'debbie', 'deb'],
  ['susan', 'sue', 'susie'],
  ['olusegun', 'segun'],
  ['oluwaseun', 'seun'],
];

/** Other first-name forms of the same person, lowercase; empty when the name has none. */
export function nicknamesOf(firstName: string): string[] {
  const lower = firstName.toLowerCase();
  const out = new Set<string>();
  for (const g of GROUPS) if (g.includes(lower)) for (const n of g) if (n !== lower) out.add(n);
  return [...out];
}
