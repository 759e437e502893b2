/**
 * Who may subscribe to which topic, from the configured `topics` rules. Patterns are globs over
 * dot-separated names: `*` is one segment without dots, `**` is one or more of any character,
 * `{uid}` is the caller's own uid. The first rule that matches decides; no match means refused.
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
    if (uid === undefined || rule.template === undefined) return false;
    return new RegExp(`^${rule.template.split(UID_SLOT).join(escapeRegex(uid))}$`).test(topic);
  }
}
