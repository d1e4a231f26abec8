import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { owner, repo } from './schemas.js';

/** A prompt that walks a model through triaging a repository's open issues with this server's tools. */
export function registerTriagePrompt(server: McpServer): void {
  server.registerPrompt(
    'triage_issues',
    {
      title: 'Triage open issues',
      description: "Review a repository's open issues: spot duplicates, propose labels and next steps",
      argsSchema: z.object({
        owner,
        repo,
        label: z.string().optional().describe('Only issues with this label (e.g. "needs-triage")'),
      }),
    },
    ({ owner, repo, label }) => {
      const labels = label ? `, "labels": [${JSON.stringify(label)}]` : '';
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `Triage the open issues of ${owner}/${repo}${label ? ` labelled "${label}"` : ''}.\n\n` +
                `1. Call list_issues with {"owner": "${owner}", "repo": "${repo}", "state": "open"${labels}, ` +
                '"perPage": 50}; skip items with is_pull_request: true, and page on while has_next_page is true.\n' +
                `2. For each issue, look for duplicates with search_issues ("repo:${owner}/${repo} is:issue ` +
                '<key words>"), and read the files it names with get_file_contents when that helps.\n' +
                '3. Answer with a table: number, one-line summary, kind (bug / feature / question / docs), ' +
                'proposed labels, likely duplicate of, suggested next step.\n\n' +
                'Do not create issues or comments unless asked: this is a proposal for a person to confirm.',
            },
          },
        ],
      };
    },
  );
}
