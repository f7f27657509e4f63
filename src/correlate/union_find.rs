//! A union-find (disjoint set) over dense node ids, with path halving.

/// Disjoint sets of nodes `0..len`.
#[derive(Debug, Default)]
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// Adds a node in a set of its own and returns its id.
    pub fn add(&mut self) -> usize {
        self.parent.push(self.parent.len());
        self.parent.len() - 1
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`; the smaller id becomes the representative, so the result
    /// does not depend on the order of unions.
    pub fn union(&mut self, a: usize, b: usize) -> usize {
        let (ra, rb) = (self.find(a), self.find(b));
        let (keep, drop) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[drop] = keep;
        keep
    }
}
