/**
 * Who may subscribe to which topic, from the configured `topics` rules. Patterns are globs over
 * dot-separated names: `*` is one segment without dots, `**` is one or more of any character,
 * `{uid}` is the caller's own uid. The first rule that matches decides; no match means refused.
 *
 * `{uid}` stands for exactly one whole segment. A uid with a dot in it never fills it: otherwise
 * uid `alice` matched `user.{uid}.**` on `user.alice.bob`, the private topic of uid `alice.bob`
 * under `user.{uid}` (issue 11, item 4), and no reading of the name can tell the two apart. Such
 * uids have no owner topics (pushes to them by uid work as always). The configuration refuses an
 * owner pattern whose `{uid}` is not a whole segment (`user-{uid}`), for the same reason.
 */
import type { TopicRule } from './config';

interface CompiledRule {
  access: TopicRule['access'];
  /** For public/authenticated rules. */
  regex?: RegExp;
  /** For owner rules: the pattern's regex source with a placeholder for the uid. */
  template?: string;
}

const UID_SLOT = '\u0000uid\u0000';

function globToRegexSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        out += '.+';
        i++;
      } else {
        out += '[^.]+';
      }
    } else if (pattern.startsWith('{uid}', i)) {
      out += UID_SLOT;
      i += '{uid}'.length - 1;
    } else {
      out += ch.replace(/[.+?^${}()|[\]\\-]/g, '\\$&');
    }
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

export class TopicPolicy {
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly TopicRule[]) {
    this.rules = rules.map((rule) => {
      const source = globToRegexSource(rule.pattern);
      return rule.access === 'owner' || source.includes(UID_SLOT)
        ? { access: rule.access, template: source }
        : { access: rule.access, regex: new RegExp(`^${source}$`) };
    });
  }

  /** Whether a socket logged in as `uid` (undefined: anonymous) may subscribe to `topic`. */
  allows(topic: string, uid: string | undefined): boolean {
    for (const rule of this.rules) {
      if (!this.matches(rule, topic, uid)) continue;
      if (rule.access === 'public') return true;
      return uid !== undefined;
    }
    return false;
  }

  private matches(rule: CompiledRule, topic: string, uid: string | undefined): boolean {
    if (rule.regex !== undefined) return rule.regex.test(topic);
    if (uid === undefined || rule.template === undefined || !fillsOneSegment(uid)) return false;
    return new RegExp(`^${rule.template.split(UID_SLOT).join(escapeRegex(uid))}$`).test(topic);
  }
}

/** Whether a uid can stand for one whole topic segment: topic characters only, no dot. */
export function fillsOneSegment(uid: string): boolean {
  return /^[A-Za-z0-9_:-]{1,128}$/.test(uid);
}

/** Whether every `{uid}` in a pattern is a whole dot-separated segment (`user.{uid}.**`, not `user-{uid}`). */
export function uidIsWholeSegment(pattern: string): boolean {
  return pattern.split('.').every((segment) => !segment.includes('{uid}') || segment === '{uid}');
}
