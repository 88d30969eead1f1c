package jobs

import (
	"strings"
	"unicode/utf8"
)

// maxSuggestLen bounds the words compared, so a long key costs nothing.
const maxSuggestLen = 64

// suggest returns the candidate closest to word by edit distance (ignoring case),
// or "" when none is close enough to be a plausible typo. Ties go to the earlier
// candidate, so the result is deterministic.
func suggest(word string, candidates []string) string {
	if word == "" || len(word) > maxSuggestLen || !utf8.ValidString(word) {
		return ""
	}
	w := strings.ToLower(word)
	limit := 1 + utf8.RuneCountInString(w)/4
	best, bestD := "", limit+1
	for _, c := range candidates {
		if len(c) > maxSuggestLen || c == word || strings.Contains(c, "*") {
			continue
		}
		d := editDistance(w, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return ` (did you mean "` + s + `"?)`
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
